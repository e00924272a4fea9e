package clientimpl

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// jwtWith builds a JWT-shaped token around payload. The signature is not a real HMAC: the
// client never verifies signatures (only the server holds the secret).
func jwtWith(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("signature-bytes-32-long-enough!!"))
}

// The vendor's documented consumer token: exp and iat are JSON strings.
const vendorToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJjaWkiOiIyNjk1RkVEM0ZDRkQ0MDg0QUIzOUY0NEIxODg4OTEyMyIsInVzciI6Im1heXRlbXBsYXRlIiwib3JnIjoicHNfZGV2IiwiYXJpIjoiMjYxQkYyQjc5MTk4NDAxRDg5QTc5QzU0NUYxNkNCRUMiLCJvdW4iOiIxIiwiZXhwIjoiMTUxODEwNDg2NCIsImlhdCI6IjE1MTgwOTc2NjQiLCJqdGkiOiJGNTg2QjI4ODA0OEE0MTAwQjc0OUU2MkY0N0RGQzg0NCJ9.yvRGqFy7dL2H6RcqXOJQtD3zBoWHUDpoRN9Ma6hKfpg"

func TestParseTokenVendorExampleStringDates(t *testing.T) {
	tok, err := ParseToken(vendorToken)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1518104864, 0); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
	}
	if want := time.Unix(1518097664, 0); !tok.IssuedAt.Equal(want) {
		t.Errorf("IssuedAt = %v, want %v", tok.IssuedAt, want)
	}
	if tok.Lifetime() != 2*time.Hour {
		t.Errorf("Lifetime = %v, want 2h", tok.Lifetime())
	}
	if tok.SessionID != "F586B288048A4100B749E62F47DFC844" || tok.Username != "maytemplate" ||
		tok.Organisation != "ps_dev" || tok.Unit != "1" || tok.Value != vendorToken {
		t.Errorf("claims = %+v", tok)
	}
}

func TestParseTokenDateForms(t *testing.T) {
	for _, tc := range []struct {
		name, exp string
		want      time.Time
	}{
		{"RFC 7519 integer", `1795416000`, time.Unix(1795416000, 0)},
		{"RFC 7519 fraction", `1795416000.5`, time.Unix(1795416000, 5e8)},
		{"RFC 7519 exponent", `1.7954160e9`, time.Unix(1795416000, 0)},
		{"CRM.COM string", `"1795416000"`, time.Unix(1795416000, 0)},
		{"CRM.COM string fraction", `"1795416000.25"`, time.Unix(1795416000, 25e7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := ParseToken(jwtWith(`{"usr":"jdoe","exp":` + tc.exp + `,"iat":1795412400}`))
			if err != nil {
				t.Fatal(err)
			}
			if !tok.Expiry.Equal(tc.want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, tc.want)
			}
		})
	}
}

func TestParseTokenRefusesWhatIsNotAJWTWithExpiry(t *testing.T) {
	for name, value := range map[string]string{
		"empty":                "",
		"32 hex (pre-R12 CRM)": "4AD9C84FA60F9FE407140E20F707726A",
		"two parts":            "aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbb",
		"four parts":           jwtWith(`{"exp":1}`) + ".x",
		"bad base64 payload":   "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.!!!!.c2lnbmF0dXJlLWZvci10ZXN0",
		"payload not object":   jwtWith(`["exp",1]`),
		"payload not JSON":     jwtWith(`exp=1`),
		"no exp":               jwtWith(`{"usr":"jdoe","iat":1795412400}`),
		"null exp":             jwtWith(`{"exp":null}`),
		"exp NaN string":       jwtWith(`{"exp":"NaN"}`),
		"exp negative":         jwtWith(`{"exp":-5}`),
		"exp negative string":  jwtWith(`{"exp":"-5"}`),
		"exp words":            jwtWith(`{"exp":"tomorrow"}`),
		"exp bool":             jwtWith(`{"exp":true}`),
		"exp far future":       jwtWith(`{"exp":1e300}`),
		"iat bad":              jwtWith(`{"exp":1795416000,"iat":"soon"}`),
		"whitespace in token":  " " + jwtWith(`{"exp":1795416000}`),
	} {
		t.Run(name, func(t *testing.T) {
			if tok, err := ParseToken(value); err == nil {
				t.Fatalf("ParseToken accepted it: %+v", tok)
			} else if value != "" && strings.Contains(err.Error(), value) {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
}

func TestParseTokenNumericUnitClaim(t *testing.T) {
	tok, err := ParseToken(jwtWith(`{"oun":2,"exp":1795416000}`))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Unit != "2" {
		t.Errorf("Unit = %q, want 2", tok.Unit)
	}
	if tok.Lifetime() != 0 {
		t.Errorf("Lifetime without iat = %v, want 0", tok.Lifetime())
	}
}

func TestTokenNeverPrintsItsValue(t *testing.T) {
	tok, err := ParseToken(vendorToken)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("got", "token", tok)
	for _, out := range []string{
		fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), tok.String(), logged.String(),
	} {
		if strings.Contains(out, vendorToken) || strings.Contains(out, strings.Split(vendorToken, ".")[2]) {
			t.Errorf("printed form holds the token: %s", out)
		}
	}
	if !strings.Contains(tok.String(), "F586B288048A4100B749E62F47DFC844") {
		t.Errorf("String() = %s, want the session ID to identify the token", tok.String())
	}
}
