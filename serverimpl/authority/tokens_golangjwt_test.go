package authority

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/golang-jwt/jwt/v5"
)

// The signer's direct path must make exactly the tokens golang-jwt makes, and accept exactly
// the tokens golang-jwt accepts, with the same claims: these tests hold it to that.

var jwtSecret = []byte("a secret for comparing with golang-jwt")

func sampleClaims() []claims {
	return []claims{
		{Username: "maytemplate", Organisation: "ps_dev", Unit: "1"},
		{Contact: "2695FED3FCFD4084AB39F44B18889123", Username: "maytemplate", Organisation: "ps_dev",
			AccountsReceivable: "261BF2B79198401D89A79C545F16CBEC", Unit: "1"},
		{Username: `o"brien\`, Organisation: "<acme & co>", Unit: "ünït"},
		{Username: "tab\there", Organisation: "new\nline", Unit: "\u2028"},
		{Username: "bad utf-8 \xff", Organisation: "", Unit: ""},
	}
}

func TestSignMakesGolangJWTsBytes(t *testing.T) {
	issued := time.Unix(1772366400, 0)
	for _, numeric := range []bool{false, true} {
		s := newTokenSigner(jwtSecret, numeric)
		for _, c := range sampleClaims() {
			id := sessions.NewID()
			got, err := s.sign(c, id, issued, 2*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.ID = id.String()
			want.IssuedAt = claimTime{unix: issued.Unix(), numeric: numeric}
			want.ExpiresAt = claimTime{unix: issued.Add(2 * time.Hour).Unix(), numeric: numeric}
			wantToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &want).SignedString(jwtSecret)
			if err != nil {
				t.Fatal(err)
			}
			if got != wantToken {
				t.Errorf("numeric %v, claims %+v:\n got %s\nwant %s", numeric, c, got, wantToken)
			}
		}
	}
}

// forge signs a payload of choice under a header of choice with the secret, as golang-jwt would.
func forge(t *testing.T, header, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(input, jwtSecret)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func TestParseAcceptsWhatGolangJWTAccepts(t *testing.T) {
	s := newTokenSigner(jwtSecret, false)
	own, err := s.sign(sampleClaims()[1], sessions.NewID(), time.Unix(1772366400, 0), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(own, ".")
	ownHeader, _ := base64.RawURLEncoding.DecodeString(head)
	jti := sessions.NewID().String()
	tokens := map[string]string{
		"own":                   own,
		"signature changed":     own[:len(own)-2] + "AA",
		"payload changed":       strings.Replace(own, ".eyJ", ".eyK", 1),
		"two segments":          own[:strings.LastIndex(own, ".")],
		"four segments":         own + ".x",
		"other header order":    forge(t, `{"typ":"JWT","alg":"HS256"}`, `{"usr":"u","org":"o","oun":"1","exp":"1","iat":"0","jti":"`+jti+`"}`),
		"alg none":              forge(t, `{"alg":"none","typ":"JWT"}`, `{"jti":"`+jti+`"}`),
		"numeric dates":         forge(t, string(ownHeader), `{"usr":"u","org":"o","oun":"1","exp":7200,"iat":0,"jti":"`+jti+`"}`),
		"negative date":         forge(t, string(ownHeader), `{"usr":"u","exp":-5,"iat":"-0","jti":"`+jti+`"}`),
		"float date":            forge(t, string(ownHeader), `{"usr":"u","exp":1.5e3,"iat":"12.5","jti":"`+jti+`"}`),
		"leading zero date":     forge(t, string(ownHeader), `{"usr":"u","exp":"0012","iat":012,"jti":"`+jti+`"}`),
		"huge date":             forge(t, string(ownHeader), `{"usr":"u","exp":"99999999999999999999","jti":"`+jti+`"}`),
		"escaped string":        forge(t, string(ownHeader), `{"usr":"a\u0041\"b","org":"\u00fc","jti":"`+jti+`"}`),
		"white space":           forge(t, string(ownHeader), `{ "usr" : "u" , "jti":"`+jti+`" }`),
		"unknown member":        forge(t, string(ownHeader), `{"usr":"u","extra":[1,{"a":2}],"jti":"`+jti+`"}`),
		"duplicate member":      forge(t, string(ownHeader), `{"usr":"u","usr":"v","jti":"`+jti+`"}`),
		"upper-case member":     forge(t, string(ownHeader), `{"USR":"u","Jti":"`+jti+`"}`),
		"null member":           forge(t, string(ownHeader), `{"usr":null,"jti":"`+jti+`"}`),
		"trailing comma":        forge(t, string(ownHeader), `{"usr":"u","jti":"`+jti+`",}`),
		"trailing data":         forge(t, string(ownHeader), `{"usr":"u","jti":"`+jti+`"}x`),
		"not an object":         forge(t, string(ownHeader), `["usr"]`),
		"brackets for braces":   forge(t, string(ownHeader), `["usr":"u","jti":"`+jti+`"]`),
		"bad jti":               forge(t, string(ownHeader), `{"usr":"u","jti":"abc"}`),
		"no jti":                forge(t, string(ownHeader), `{"usr":"u"}`),
		"string with bad utf-8": forge(t, string(ownHeader), "{\"usr\":\"\xff\",\"jti\":\""+jti+"\"}"),
	}
	for name, token := range tokens {
		gotClaims, gotID, gotErr := s.parse(token)
		if !canonicalToken(token) {
			// Stricter than golang-jwt by design: only the canonical encoding is a token.
			if _, ok := gotErr.(errBadToken); !ok || gotClaims != nil {
				t.Errorf("%s: not canonical, yet parse gives (%+v, %v)", name, gotClaims, gotErr)
			}
			continue
		}
		wantClaims, wantID, wantErr := s.parseAny(token)
		if !reflect.DeepEqual(gotClaims, wantClaims) || gotID != wantID || !reflect.DeepEqual(gotErr, wantErr) {
			t.Errorf("%s: parse gives (%+v, %v, %v), golang-jwt (%+v, %v, %v)", name, gotClaims, gotID, gotErr, wantClaims, wantID, wantErr)
		}
	}
}

// FuzzDecodePlainClaims: whatever the direct claims reader accepts, encoding/json reads the
// same way.
func FuzzDecodePlainClaims(f *testing.F) {
	for _, c := range sampleClaims() {
		c.ID, c.ExpiresAt, c.IssuedAt = sessions.NewID().String(), claimTime{unix: 7200}, claimTime{unix: 0, numeric: true}
		b, err := c.appendJSON(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"usr":"u","exp":-1,"iat":"007"}`)
	f.Add(`{"exp":1e3}`)
	f.Fuzz(func(t *testing.T, payload string) {
		got, ok := decodePlainClaims(payload)
		if !ok {
			return
		}
		var want claims
		if err := json.Unmarshal([]byte(payload), &want); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", payload, err)
		}
		if *got != want {
			t.Fatalf("%q: read %+v, encoding/json %+v", payload, *got, want)
		}
	})
}

// TestSessionIDStringIsUpperHex: the jti written without encoding/hex is what
// strings.ToUpper(hex.EncodeToString(id)) writes, and parses back to the same ID.
func TestSessionIDStringIsUpperHex(t *testing.T) {
	ids := []sessions.ID{{}, {0xff, 0xfe, 0x0a, 0xa0, 0x09, 0x90}}
	for range 100 {
		ids = append(ids, sessions.NewID())
	}
	for _, id := range ids {
		want := strings.ToUpper(hex.EncodeToString(id[:]))
		if got := id.String(); got != want {
			t.Errorf("%x: String() = %s, want %s", id[:], got, want)
		}
		if back, ok := sessions.ParseID(id.String()); !ok || back != id {
			t.Errorf("%x: does not parse back (%x, %v)", id[:], back[:], ok)
		}
	}
}

// TestSignAndParseReuseNoMemory: tokens signed and parsed one after another (sharing the
// reused scratch memory) each keep their own bytes and claims.
func TestSignAndParseReuseNoMemory(t *testing.T) {
	s := newTokenSigner(jwtSecret, false)
	now := time.Unix(1_700_000_000, 0)
	type signed struct {
		token string
		want  claims
	}
	var all []signed
	for i, c := range sampleClaims() {
		if !utf8.ValidString(c.Username + c.Organisation + c.Unit) {
			continue // JSON carries it as U+FFFD: compared with golang-jwt above
		}
		id := sessions.NewID()
		token, err := s.sign(c, id, now.Add(time.Duration(i)*time.Second), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.ID = id.String()
		want.IssuedAt = claimTime{unix: now.Unix() + int64(i)}
		want.ExpiresAt = claimTime{unix: now.Unix() + int64(i) + 3600}
		all = append(all, signed{token, want})
	}
	for _, a := range all {
		got, id, err := s.parse(a.token)
		if err != nil {
			t.Fatalf("%s: %v", a.token, err)
		}
		if *got != a.want || id.String() != a.want.ID {
			t.Errorf("parsed %+v, want %+v", *got, a.want)
		}
	}
	for _, a := range all { // the tokens returned first are unchanged by the later signings
		if _, _, err := s.parse(a.token); err != nil {
			t.Errorf("%s no longer parses: %v", a.token, err)
		}
	}
}
