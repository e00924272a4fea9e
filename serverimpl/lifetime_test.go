package serverimpl_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// checkToken asserts CheckToken's verdict: "" for accepted, else the refusal's code.
func checkToken(t *testing.T, s *stub, token string, want gen.ErrorCode) {
	t.Helper()
	_, err := s.CheckToken(token)
	var te *serverimpl.TokenError
	switch {
	case want == "" && err != nil:
		t.Fatalf("token refused at %s: %v", s.clock.Now().Sub(epoch), err)
	case want != "" && (!errors.As(err, &te) || te.Code != want):
		t.Fatalf("got %v at %s, want %s", err, s.clock.Now().Sub(epoch), want)
	}
}

// TestLoginTokenIdleTimeout: a login token lives as long as it is used at least once an hour.
func TestLoginTokenIdleTimeout(t *testing.T) {
	s := startStub(t)
	token := s.loginToken(t)
	for range 3 {
		s.clock.Advance(59 * time.Minute)
		checkToken(t, s, token, "") // each use restarts the hour
	}
	s.clock.Advance(time.Hour)
	checkToken(t, s, token, gen.ErrorCodeTokenExpired)
	resp := s.release(t, token)
	expectFailure(t, resp.StatusCode(), resp.Body, 401, gen.ErrorCodeTokenExpired, "expired")
}

// TestKeyTokenFixedLifetime: key tokens end two hours after issue, however much they are used.
func TestKeyTokenFixedLifetime(t *testing.T) {
	s := startStub(t)
	for name, token := range map[string]string{"web API key": s.webAPIKeyToken(t), "consumer": s.consumerToken(t)} {
		t.Run(name, func(t *testing.T) {
			s.clock.Set(epoch.Add(time.Hour))
			checkToken(t, s, token, "")
			s.clock.Set(epoch.Add(2*time.Hour - time.Second))
			checkToken(t, s, token, "")
			s.clock.Set(epoch.Add(2 * time.Hour))
			checkToken(t, s, token, gen.ErrorCodeTokenExpired)
		})
	}
}

func TestConfigurableLifetimes(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) {
		o.LoginIdleTimeout = 5 * time.Second
		o.KeyTokenLifetime = 10 * time.Second
	})
	login, key := s.loginToken(t), s.webAPIKeyToken(t)
	checkClaims(t, login, userName, userOrganisation, "1", 5)
	checkClaims(t, key, "maytemplate", userOrganisation, "1", 10)
	s.clock.Advance(5 * time.Second)
	checkToken(t, s, login, gen.ErrorCodeTokenExpired)
	checkToken(t, s, key, "")
	s.clock.Advance(5 * time.Second)
	checkToken(t, s, key, gen.ErrorCodeTokenExpired)
}

func TestRelease(t *testing.T) {
	s := startStub(t)
	for name, token := range map[string]string{"login": s.loginToken(t), "web API key": s.webAPIKeyToken(t), "consumer": s.consumerToken(t)} {
		t.Run(name, func(t *testing.T) {
			checkToken(t, s, token, "")
			resp := s.release(t, token)
			if resp.JSON200 == nil {
				t.Fatalf("release: %d %s", resp.StatusCode(), resp.Body)
			}
			if e := decodeEnvelope(t, resp.Body); string(e.Data) != "null" || e.Status.Code != "OK" {
				t.Fatalf("release answer %s, want data null and OK", resp.Body)
			}
			checkToken(t, s, token, gen.ErrorCodeInvalidToken)
			again := s.release(t, token)
			expectFailure(t, again.StatusCode(), again.Body, 401, gen.ErrorCodeInvalidToken, "released")
		})
	}
}

func TestReleaseRefusesBadTokens(t *testing.T) {
	s := startStub(t)
	other := startStub(t, func(o *serverimpl.Options) { o.Secret = []byte("another secret") })
	valid := s.loginToken(t)
	_, claims := tokenParts(t, valid)

	tampered := func() string {
		c := jwt.MapClaims(claims)
		c["usr"] = "admin"
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("guessed"))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()
	none := func() string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(claims)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()
	hs512 := func() string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims(claims)).SignedString([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()
	cases := map[string]struct{ token, message string }{
		"garbage":             {"not-a-token", "malformed"},
		"another stub's":      {other.loginToken(t), "signature is invalid"},
		"tampered claims":     {tampered, "signature is invalid"},
		"alg none":            {none, "not signed with HS256"},
		"HS512":               {hs512, "not signed with HS256"},
		"the spec's example":  {"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl", "signature is invalid"},
		"truncated signature": {valid[:len(valid)-3], "signature is invalid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resp := s.release(t, c.token)
			expectFailure(t, resp.StatusCode(), resp.Body, 401, gen.ErrorCodeInvalidToken, c.message)
		})
	}
	checkToken(t, s, valid, "") // none of that touched the real session
}

// TestForgottenSessions: after a session ends and is swept, its token is still answered
// TOKEN_EXPIRED (judged by its exp claim), not "unknown".
func TestForgottenSessions(t *testing.T) {
	s := startStub(t)
	old := s.webAPIKeyToken(t)
	for range 20 { // sessions in many shards
		s.loginToken(t)
	}
	s.clock.Advance(3 * time.Hour)
	s.webAPIKeyToken(t) // an issue sweeps ended sessions
	if n, _ := s.SessionStore().Len(context.Background()); n != 1 {
		t.Fatalf("the store holds %d sessions, want only the live one", n)
	}
	checkToken(t, s, old, gen.ErrorCodeTokenExpired)
}

// TestUnknownSession: a correctly signed token whose session this stub never opened (another
// run with the same secret) is refused as unknown, not accepted.
func TestUnknownSession(t *testing.T) {
	secret := func(o *serverimpl.Options) { o.Secret = []byte("shared secret") }
	earlier := startStub(t, secret)
	token := earlier.loginToken(t)
	s := startStub(t, secret)
	checkToken(t, s, token, gen.ErrorCodeInvalidToken)
	resp := s.release(t, token)
	expectFailure(t, resp.StatusCode(), resp.Body, 401, gen.ErrorCodeInvalidToken, "unknown to this server")
	checkToken(t, earlier, token, "") // still fine where it was issued
}
