package serverimpl_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
)

// base64URLAlphabet is the digits of base64url (RFC 4648 §5), in value order.
const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// sameBitsOtherDigit changes the last digit of a base64url string within its significant
// bits: the two (or four) bits past the end of the data are set differently. Decoders that
// ignore those bits (base64.RawURLEncoding without Strict) read the same bytes.
func sameBitsOtherDigit(t *testing.T, s string) string {
	t.Helper()
	if len(s)%4 != 2 && len(s)%4 != 3 {
		t.Fatalf("%q has no trailing bits: its length is a multiple of 4", s)
	}
	last := strings.IndexByte(base64URLAlphabet, s[len(s)-1])
	return s[:len(s)-1] + string(base64URLAlphabet[last^0b11]) // 'A' becomes 'D', as in the issue
}

// TestTokenWithMalleableSignatureIsRefused is issue 14's attack: the genuine token with the
// last digit of its signature changed within the same significant bits. It decodes to the
// same signature bytes; before the fix, releasing it released the genuine token's session.
func TestTokenWithMalleableSignatureIsRefused(t *testing.T) {
	s := startSecretStub(t)
	for name, issue := range map[string]func(*testing.T) string{
		"login": s.loginToken, "web API key": s.webAPIKeyToken, "consumer": s.consumerToken,
	} {
		t.Run(name, func(t *testing.T) {
			genuine := issue(t)
			dot := strings.LastIndex(genuine, ".")
			altered := genuine[:dot+1] + sameBitsOtherDigit(t, genuine[dot+1:])
			a, errA := base64.RawURLEncoding.DecodeString(genuine[dot+1:])
			b, errB := base64.RawURLEncoding.DecodeString(altered[dot+1:])
			if errA != nil || errB != nil || string(a) != string(b) {
				t.Fatalf("the altered signature does not decode to the same bytes (%v, %v): not the attack", errA, errB)
			}
			expectForgeryRefused(t, s, genuine, altered) // release and CheckToken refuse; genuine lives
		})
	}
}

// TestTokenNotInCanonicalEncodingIsRefused covers each part of a token (header, claims,
// signature) in each non-canonical base64url form: non-zero trailing bits, padding, the
// standard alphabet's '+' and '/', and line breaks (which Go's decoders skip). Each forgery is
// signed with the stub's secret over its own text, and the control beside it — the same
// bytes in canonical encoding, signed the same way — is accepted: so each refusal is about
// the encoding alone.
func TestTokenNotInCanonicalEncodingIsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	header, claims := tokenParts(t, genuine)
	headerJSON, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	claimsJSON, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(signingInput string) []byte {
		mac := hmac.New(sha256.New, tokenSecret)
		mac.Write([]byte(signingInput))
		return mac.Sum(nil)
	}
	enc := base64.RawURLEncoding.EncodeToString

	// Each form rewrites a canonical encoding, or reports that these bytes cannot show it
	// (no trailing bits, no '-' or '_'); the JSON then gets one more space and is tried again.
	// The JSON's extra member "~":"~~~" puts a '~' (0x7E, whose low six bits are digit 62,
	// '-') where it is a triple's last byte, so the standard alphabet always has a '+' to show.
	forms := map[string]func(string) (string, bool){
		"non-zero trailing bits": func(e string) (string, bool) {
			if len(e)%4 < 2 {
				return "", false
			}
			return sameBitsOtherDigit(t, e), true
		},
		"padding": func(e string) (string, bool) {
			if len(e)%4 == 0 {
				return "", false
			}
			return e + strings.Repeat("=", 4-len(e)%4), true
		},
		"standard alphabet": func(e string) (string, bool) {
			std := strings.NewReplacer("-", "+", "_", "/").Replace(e)
			return std, std != e
		},
		"line break": func(e string) (string, bool) { return e[:8] + "\r\n" + e[8:], true },
	}
	for _, part := range []string{"header", "claims", "signature"} {
		for formName, form := range forms {
			t.Run(part+"/"+formName, func(t *testing.T) {
				h, c := string(headerJSON), string(claimsJSON)
				for spaces := 0; spaces < 64; spaces++ {
					// White space after '{' is still the same JSON object; an unknown member is
					// ignored by the claims and by golang-jwt's header.
					pad := strings.Repeat(" ", spaces) + `"~":"~~~",`
					hs, cs := enc([]byte(h)), enc([]byte(c))
					switch part {
					case "header":
						hs = enc([]byte("{" + pad + h[1:]))
					default:
						cs = enc([]byte("{" + pad + c[1:]))
					}
					canonical := hs + "." + cs + "." + enc(sign(hs+"."+cs))
					var forged string
					switch part {
					case "header":
						f, ok := form(hs)
						if !ok {
							continue
						}
						forged = f + "." + cs + "." + enc(sign(f+"."+cs))
					case "claims":
						f, ok := form(cs)
						if !ok {
							continue
						}
						forged = hs + "." + f + "." + enc(sign(hs+"."+f))
					case "signature":
						f, ok := form(enc(sign(hs + "." + cs)))
						if !ok {
							continue
						}
						forged = hs + "." + cs + "." + f
					}
					if _, err := s.CheckToken(canonical); err != nil {
						t.Fatalf("control: the canonical token is refused: %v", err)
					}
					expectRefused(t, s, forged, gen.ErrorCodeInvalidToken)
					if _, err := s.CheckToken(genuine); err != nil {
						t.Fatalf("the genuine token stopped working: %v", err)
					}
					return
				}
				t.Fatalf("no JSON spacing gave a %s of %s", part, formName)
			})
		}
	}
}
