package serverimpl_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// The fuzz targets of the stub's pure parts: no HTTP, thousands of executions per second, so
// that `make fuzz` reaches millions where FuzzHandler reaches thousands. Each is seeded from
// the bad-input catalogue where the catalogue has inputs of its kind.

// catalogueBodies are the catalogue's request bodies, and three good ones.
func catalogueBodies() []string {
	bodies := []string{validLogin, consumerBody, "{}"}
	for _, in := range badInputs {
		bodies = append(bodies, in.body)
	}
	return bodies
}

// catalogueHeaders are the catalogue's values of one request header.
func catalogueHeaders(name string) []string {
	var values []string
	for _, in := range badInputs {
		for i := 0; i+1 < len(in.header); i += 2 {
			if strings.EqualFold(in.header[i], name) {
				values = append(values, in.header[i+1])
			}
		}
	}
	return values
}

// fuzzSecret signs the tokens FuzzTokenParse makes.
var fuzzSecret = []byte("fuzz-token-parse-secret-0123456789")

// signed returns header.payload with its HS256 signature under fuzzSecret, canonically encoded.
func signed(signingInput string) string {
	mac := hmac.New(sha256.New, fuzzSecret)
	mac.Write([]byte(signingInput))
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// roundTrips reports whether part is the canonical base64url encoding of what it decodes to.
func roundTrips(part string) bool {
	b, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && base64.RawURLEncoding.EncodeToString(b) == part
}

// FuzzTokenParse: the token parser never panics; it accepts a token only in canonical form
// (every part re-encodes to exactly the same string), and canonicalToken is exactly that
// round trip. With resign set, the fuzzed header and payload get a valid signature, so the
// fuzzer reaches the claims' decoding, not only the signature check.
//
//	go test -run '^$' -fuzz '^FuzzTokenParse$' -fuzztime 1m ./serverimpl/
func FuzzTokenParse(f *testing.F) {
	for _, body := range catalogueBodies() {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil {
			if token, ok := m["token"].(string); ok {
				f.Add(token, false)
				f.Add(token, true)
			}
		}
	}
	for _, payload := range []string{
		`{"usr":"jdoe","org":"ps_dev","oun":"1","exp":"1518104864","iat":"1518097664","jti":"F586B288048A4100B749E62F47DFC844"}`,
		`{"cii":"2695FED3FCFD4084AB39F44B18889123","usr":"maytemplate","org":"ps_dev","ari":"261BF2B79198401D89A79C545F16CBEC","oun":"1","exp":7200,"iat":0,"jti":"F586B288048A4100B749E62F47DFC844"}`,
		`{"usr":"a\u0041","jti":"F586B288048A4100B749E62F47DFC844", "x":[1]}`,
	} {
		for _, header := range []string{`{"alg":"HS256","typ":"JWT"}`, `{"typ":"JWT","alg":"HS256"}`, `{"alg":"none"}`} {
			enc := base64.RawURLEncoding.EncodeToString
			token := signed(enc([]byte(header)) + "." + enc([]byte(payload)))
			f.Add(token, false)
			f.Add(token[:len(token)-1]+"D", false) // the attack, give or take the digit
			f.Add(strings.Replace(token, ".", ".\n", 1), true)
		}
	}
	parse := serverimpl.ParseToken(fuzzSecret)
	f.Fuzz(func(t *testing.T, token string, resign bool) {
		if resign {
			if dot := strings.LastIndexByte(token, '.'); dot >= 0 {
				token = signed(token[:dot])
			}
		}
		parts := strings.Split(token, ".")
		canonical := len(parts) == 3
		for _, p := range parts {
			canonical = canonical && roundTrips(p)
		}
		if got := serverimpl.CanonicalToken(token); got != canonical {
			t.Fatalf("canonicalToken(%q) = %v, the base64url round trip says %v", token, got, canonical)
		}
		jti, err := parse(token)
		if err == nil && !canonical {
			t.Fatalf("accepted %q, which is not in canonical form", token)
		}
		if err == nil && len(jti) != 32 {
			t.Fatalf("accepted %q with jti %q", token, jti)
		}
		if err != nil && len(token) > 8 && strings.Contains(err.Error(), token) {
			t.Fatalf("the refusal quotes the token: %v", err)
		}
	})
}

// FuzzParseBasicKey: HTTP Basic parsing never panics, a key it accepts is non-empty, has no
// colon, and comes back from the header that encodes it; a refusal never quotes the header or
// the key.
//
//	go test -run '^$' -fuzz '^FuzzParseBasicKey$' -fuzztime 1m ./serverimpl/
func FuzzParseBasicKey(f *testing.F) {
	for _, h := range append(catalogueHeaders("Authorization"), vendorBasic, "basic "+b64(vendorKey+":"), "Basic  "+b64("k:")+" ", "Basic "+b64("a:b:c")) {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		key, problem := serverimpl.ParseBasicKey(header)
		if problem != "" {
			if key != "" {
				t.Fatalf("%q: a key (%q) with a problem (%s)", header, key, problem)
			}
			if len(header) > 12 && strings.Contains(problem, header) {
				t.Fatalf("the problem quotes the header: %s", problem)
			}
			return
		}
		if key == "" || strings.Contains(key, ":") {
			t.Fatalf("%q: accepted key %q", header, key)
		}
		if again, p := serverimpl.ParseBasicKey("Basic " + b64(key+":")); again != key || p != "" {
			t.Fatalf("key %q does not come back from its own header: %q, %s", key, again, p)
		}
	})
}

// FuzzStrictJSON: the strict-JSON rules never panic; whatever the fast path (plainJSON) lets
// through, the walk finds nothing wrong with either; a body with no problem that is JSON at
// all is JSON as JSON v2 reads it strictly (valid UTF-8, no duplicate names, one value) and
// nests no deeper than the limit; a problem is one line about the request body.
//
//	go test -run '^$' -fuzz '^FuzzStrictJSON$' -fuzztime 1m ./serverimpl/
func FuzzStrictJSON(f *testing.F) {
	for _, s := range append(catalogueBodies(),
		`{"username":"jdoe"}`, `{"a":1,"a":1}`, `{"a":{"b":1,"c":2,"b":3}}`, `{"a":1} x`, "{\"a\":\"\xff\"}",
		`{"a":"\u00e9\\\"x"}`, `{"a\u0000":1,"a":2}`, `{"a":1,"\u0061":2}`, `[1,[2,[3]]]`, ` "x" `, `{"a":"]]]]"}`,
		strings.Repeat("[", 16)+strings.Repeat("]", 16), strings.Repeat("[", 17)+strings.Repeat("]", 17),
		`{"s":"`+strings.Repeat("[", 30)+`"}`,
	) {
		if len(s) > 4096 {
			continue // the catalogue's 20,000-bracket bodies: a mutation of one costs a hundred small ones
		}
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		problem := serverimpl.StrictJSONProblem(body)
		if serverimpl.PlainJSON(body) {
			if walk := serverimpl.StrictJSONWalk(body); walk != "" {
				t.Fatalf("fast path accepted %q, the walk says %s", body, walk)
			}
			if !json.Valid(body) {
				t.Fatalf("fast path accepted %q, which encoding/json says is not JSON", body)
			}
		}
		if problem != "" {
			if !strings.HasPrefix(problem, "request body: ") || strings.Contains(problem, "\n") || !utf8.ValidString(problem) {
				t.Fatalf("%q: problem %q", body, problem)
			}
			return
		}
		if json.Valid(body) {
			if !jsontext.Value(body).IsValid() {
				t.Fatalf("no problem with %q, which JSON v2 refuses (duplicate name or bad UTF-8)", body)
			}
			if n := serverimpl.Nesting(body); n > serverimpl.MaxNesting {
				t.Fatalf("no problem with %q, which nests %d deep", body, n)
			}
		}
	})
}

// FuzzFixtures: loading fixtures YAML never panics; a refusal is a list of FixtureErrors that
// name the file; fixtures that load also pass Validate and compile into the stub's directory.
//
//	go test -run '^$' -fuzz '^FuzzFixtures$' -fuzztime 1m ./serverimpl/
func FuzzFixtures(f *testing.F) {
	f.Add(defaultFixturesYAML(f))
	for _, s := range []string{
		"", "users:\n\t- username: a\n", "users:\n  - username: a\n    passwrd: b\n", "users:\n  - username: [a, b]\n",
		"users:\n  - username: a\n    organisation: o\n    default_unit: '1'\n",
		"users:\n  - username: a\n    password: $2a$10$short\n    organisation: o\n    default_unit: '1'\n",
		"web_api_keys:\n  - key: K\n    organisation: o\n    user: u\n    default_unit: '1'\n  - key: K\n    organisation: o\n    user: u\n    default_unit: '1'\n",
		"consumer_application_keys:\n  - key: K\n    organisation: o\n    user: u\n    default_unit: '1'\n    access_tokens:\n      - identifier: i\n",
		"users: &a [*a]\n", "a: !!binary AAAA\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := serverimpl.ParseFixtures("fuzz.yaml", data)
		if err != nil {
			for _, e := range unjoin(err) {
				var fe *serverimpl.FixtureError
				if !errors.As(e, &fe) || fe.File != "fuzz.yaml" || !strings.HasPrefix(e.Error(), "fuzz.yaml:") {
					t.Fatalf("%q: error %T %v does not name the file", data, e, e)
				}
			}
			return
		}
		if err := fx.Validate(); err != nil {
			t.Fatalf("%q loads, yet Validate says %v", data, err)
		}
		if err := serverimpl.CompileFixtures(fx); err != nil {
			t.Fatalf("%q loads, yet does not compile: %v", data, err)
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func defaultFixturesYAML(f *testing.F) []byte {
	data, err := os.ReadFile("authority/fixtures_default.yaml")
	if err != nil {
		f.Fatal(err)
	}
	return data
}
