package serverimpl_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// tokenSecret is the signing secret of the stubs in these tests, so they can forge tokens
// that differ from genuine ones in exactly one respect.
var tokenSecret = []byte("tokens-security-test-secret-0123456789")

func startSecretStub(t *testing.T) *stub {
	t.Helper()
	return startStub(t, func(o *serverimpl.Options) { o.Secret = tokenSecret })
}

// forge builds a JWT from a header and claims, signed with HMAC over newHash and secret; a nil
// newHash leaves the signature empty (alg "none").
func forge(header, claims map[string]any, newHash func() hash.Hash, secret []byte) string {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signingInput := enc(header) + "." + enc(claims)
	if newHash == nil {
		return signingInput + "."
	}
	mac := hmac.New(newHash, secret)
	mac.Write([]byte(signingInput))
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// expectRefused checks that the stub refuses token with code, both through the exported
// token check and through authentication/token/release.
func expectRefused(t *testing.T, s *stub, token string, code gen.ErrorCode) {
	t.Helper()
	_, err := s.CheckToken(token)
	var te *serverimpl.TokenError
	if !errors.As(err, &te) || te.Code != code {
		t.Fatalf("CheckToken: %v, want %s", err, code)
	}
	resp := s.release(t, token)
	expectFailure(t, resp.StatusCode(), resp.Body, http.StatusUnauthorized, code, "")
}

// expectForgeryRefused checks that a forgery of genuine is refused as INVALID_TOKEN, and that
// refusing it did not touch genuine's session: genuine still works and releases once.
func expectForgeryRefused(t *testing.T, s *stub, genuine, forged string) {
	t.Helper()
	if forged == genuine {
		t.Fatal("the forgery is the genuine token")
	}
	expectRefused(t, s, forged, gen.ErrorCodeInvalidToken)
	if _, err := s.CheckToken(genuine); err != nil {
		t.Fatalf("the genuine token stopped working after its forgery was refused: %v", err)
	}
	if resp := s.release(t, genuine); resp.JSON200 == nil {
		t.Fatalf("releasing the genuine token: %d %s", resp.StatusCode(), resp.Body)
	}
}

// TestForgeMakesWhatTheStubAccepts is the control for the tests below: with the stub's
// secret and HS256, forge reproduces a genuine token's signature, and a token it makes from the
// genuine claims is accepted. So each refusal below is about the one thing its forgery changes.
func TestForgeMakesWhatTheStubAccepts(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	dot := strings.LastIndex(genuine, ".")
	mac := hmac.New(sha256.New, tokenSecret)
	mac.Write([]byte(genuine[:dot]))
	if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); got != genuine[dot+1:] {
		t.Fatalf("HMAC-SHA256 with the secret gives signature %s, the stub's is %s", got, genuine[dot+1:])
	}
	header, claims := tokenParts(t, genuine)
	if _, err := s.CheckToken(forge(header, claims, sha256.New, tokenSecret)); err != nil {
		t.Fatalf("a correctly signed re-encoding of a live token is refused: %v", err)
	}
}

func TestTokenWithAlgNoneIsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	_, claims := tokenParts(t, genuine)
	for _, alg := range []string{"none", "None", "NONE"} {
		expectRefused(t, s, forge(map[string]any{"typ": "JWT", "alg": alg}, claims, nil, nil), gen.ErrorCodeInvalidToken)
	}
	expectForgeryRefused(t, s, genuine, forge(map[string]any{"typ": "JWT", "alg": "none"}, claims, nil, nil))
}

func TestTokenSignedWithHS512IsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	_, claims := tokenParts(t, genuine)
	// The right secret, a stronger HMAC: still not the algorithm the stub signs with.
	expectRefused(t, s, forge(map[string]any{"typ": "JWT", "alg": "HS384"}, claims, sha512.New384, tokenSecret), gen.ErrorCodeInvalidToken)
	expectForgeryRefused(t, s, genuine, forge(map[string]any{"typ": "JWT", "alg": "HS512"}, claims, sha512.New, tokenSecret))
}

func TestTokenClaimingRS256IsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.webAPIKeyToken(t)
	_, claims := tokenParts(t, genuine)
	// The algorithm-confusion attack: an asymmetric alg in the header, an HMAC made with the
	// secret (as a verifier that trusts the header would check it).
	for _, alg := range []string{"RS256", "ES256", "PS256", "EdDSA"} {
		expectRefused(t, s, forge(map[string]any{"typ": "JWT", "alg": alg}, claims, sha256.New, tokenSecret), gen.ErrorCodeInvalidToken)
	}
	expectForgeryRefused(t, s, genuine, forge(map[string]any{"typ": "JWT", "alg": "RS256"}, claims, sha256.New, tokenSecret))
}

func TestTokenWithWrongSignatureIsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	dot := strings.LastIndex(genuine, ".")
	signingInput, signature := genuine[:dot], genuine[dot+1:]
	raw, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 0x01 // one bit of the signature
	flipped := signingInput + "." + base64.RawURLEncoding.EncodeToString(raw)
	expectRefused(t, s, signingInput+".", gen.ErrorCodeInvalidToken)                                                              // no signature
	expectRefused(t, s, signingInput+"."+base64.RawURLEncoding.EncodeToString(raw[:16]), gen.ErrorCodeInvalidToken)               // a short one
	expectRefused(t, s, signingInput+"."+base64.RawURLEncoding.EncodeToString(make([]byte, len(raw))), gen.ErrorCodeInvalidToken) // zeros
	expectForgeryRefused(t, s, genuine, flipped)
}

func TestTokenWithTamperedClaimsIsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.consumerToken(t)
	parts := strings.Split(genuine, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	// Each tampering changes the genuine payload's bytes in one place and keeps its signature.
	tamper := func(old, replacement string) string {
		if !strings.Contains(string(payload), old) {
			t.Fatalf("the payload %s has no %s", payload, old)
		}
		changed := strings.Replace(string(payload), old, replacement, 1)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(changed)) + "." + parts[2]
	}
	_, claims := tokenParts(t, genuine)
	for _, change := range [][2]string{
		{`"oun":"1"`, `"oun":"2"`},                                                // another unit
		{`"usr":"maytemplate"`, `"usr":"admin"`},                                  // another user
		{`"org":"ps_dev"`, `"org":"ps_prd"`},                                      // another organisation
		{`"cii":"` + claims["cii"].(string), `"cii":"` + strings.Repeat("0", 32)}, // another consumer's data
		{`"exp":"`, `"exp":"9`},                                                   // a later expiry
		{`"jti":"`, `"jti":"0`},                                                   // another session
		{`{`, `{"adm":true,`},                                                     // an added claim
	} {
		expectRefused(t, s, tamper(change[0], change[1]), gen.ErrorCodeInvalidToken)
	}
	expectForgeryRefused(t, s, genuine, tamper(`"oun":"1"`, `"oun":"2"`))
}

func TestTokenSignedByAnotherSecretIsRefused(t *testing.T) {
	s := startSecretStub(t)
	genuine := s.loginToken(t)
	header, claims := tokenParts(t, genuine)
	// The same claims (a live session here), signed with HS256 by someone else's secret.
	expectForgeryRefused(t, s, genuine, forge(header, claims, sha256.New, []byte("another-secret")))

	// And a genuine token of another stub, which has its own secret.
	other := startStub(t, func(o *serverimpl.Options) { o.Secret = []byte("the-other-stub-secret") })
	expectRefused(t, s, other.loginToken(t), gen.ErrorCodeInvalidToken)
}

func TestExpiredTokenIsRefused(t *testing.T) {
	s := startSecretStub(t)
	login, key := s.loginToken(t), s.webAPIKeyToken(t)
	s.clock.Advance(time.Hour)
	expectRefused(t, s, login, gen.ErrorCodeTokenExpired) // an hour of idle time
	if _, err := s.CheckToken(key); err != nil {
		t.Fatalf("a key token died before two hours: %v", err)
	}
	s.clock.Advance(time.Hour)
	expectRefused(t, s, key, gen.ErrorCodeTokenExpired) // two hours after issue, used or not
}

func TestReleasedTokenIsRefused(t *testing.T) {
	s := startSecretStub(t)
	for _, token := range []string{s.loginToken(t), s.webAPIKeyToken(t), s.consumerToken(t)} {
		if resp := s.release(t, token); resp.JSON200 == nil {
			t.Fatalf("release: %d %s", resp.StatusCode(), resp.Body)
		}
		expectRefused(t, s, token, gen.ErrorCodeInvalidToken)
	}
}
