package serverimpl_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// protectedStub is a stub with one more route, guarded by RequireToken, that answers with the
// TokenInfo the middleware put in the request's context.
func protectedStub(t *testing.T) *stub {
	s := startStub(t)
	s.Echo().GET("/protected", func(c echo.Context) error {
		info, ok := serverimpl.TokenInfoFrom(c.Request().Context())
		if !ok {
			return c.String(http.StatusInternalServerError, "no token info")
		}
		return c.JSON(http.StatusOK, info)
	}, s.RequireToken())
	return s
}

func getProtected(t *testing.T, s *stub, token string, inQuery bool) (*http.Response, []byte) {
	t.Helper()
	path := "/protected"
	var headers []string
	switch {
	case token == "":
	case inQuery:
		path += "?token=" + url.QueryEscape(token)
	default:
		headers = []string{"Authorization", "Bearer " + token}
	}
	return s.do(t, http.MethodGet, path, "", nil, headers...)
}

func TestRequireTokenAcceptsLiveTokens(t *testing.T) {
	s := protectedStub(t)
	for name, inQuery := range map[string]bool{"bearer header": false, "token parameter": true} {
		t.Run(name, func(t *testing.T) {
			resp, body := getProtected(t, s, s.consumerToken(t), inQuery)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var info serverimpl.TokenInfo
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatal(err)
			}
			if info.Username != "maytemplate" || info.Organisation != userOrganisation || info.Unit != "1" ||
				info.Contact != vendorContact || info.AccountsReceivable != vendorReceivable || !info.Consumer() ||
				!upperHex32.MatchString(info.SessionID) || !info.IssuedAt.Equal(epoch) {
				t.Fatalf("token info %+v", info)
			}
		})
	}
}

func TestRequireTokenRefuses(t *testing.T) {
	s := protectedStub(t)
	expired := s.webAPIKeyToken(t)
	s.clock.Advance(2 * time.Hour)
	released := s.loginToken(t)
	s.release(t, released)

	cases := []struct {
		name, token string
		code        gen.ErrorCode
		message     string
	}{
		{"no token", "", gen.ErrorCodeInvalidToken, "no token was given: send it as the token query parameter"},
		{"garbage", "garbage", gen.ErrorCodeInvalidToken, "malformed"},
		{"released", released, gen.ErrorCodeInvalidToken, "released"},
		{"expired", expired, gen.ErrorCodeTokenExpired, "expired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := getProtected(t, s, c.token, false)
			expectFailure(t, resp.StatusCode, body, 401, c.code, c.message)
			want := `Bearer realm="crmauth", error="invalid_token"`
			if c.token == "" { // RFC 6750 section 3.1: no error code when no credentials were sent
				want = `Bearer realm="crmauth"`
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}
		})
	}
}

// TestRequireTokenCountsAsUse: requests through the middleware keep a login token alive past
// its first hour.
func TestRequireTokenCountsAsUse(t *testing.T) {
	s := protectedStub(t)
	token := s.loginToken(t)
	for range 3 {
		s.clock.Advance(50 * time.Minute)
		if resp, body := getProtected(t, s, token, false); resp.StatusCode != 200 {
			t.Fatalf("after %s: %d %s", s.clock.Now().Sub(epoch), resp.StatusCode, body)
		}
	}
	s.clock.Advance(61 * time.Minute)
	resp, body := getProtected(t, s, token, true)
	expectFailure(t, resp.StatusCode, body, 401, gen.ErrorCodeTokenExpired, "expired")
}

// TestTokenInfoFromNearestContext: the token a check accepted is what TokenInfoFrom finds
// behind it, even when a context carrying another token was made in front of the check, and a
// context carrying another token made behind the check wins, as the nearest context does.
// (A check on a request whose context is the stub's own keeps the token there, without a new
// context; these are the cases where it must not.)
func TestTokenInfoFromNearestContext(t *testing.T) {
	s := startStub(t)
	other := serverimpl.TokenInfo{Username: "someone else"}
	putOther := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(serverimpl.WithTokenInfo(c.Request().Context(), other)))
			return next(c)
		}
	}
	answer := func(c echo.Context) error {
		info, ok := serverimpl.TokenInfoFrom(c.Request().Context())
		if !ok {
			return c.String(http.StatusInternalServerError, "no token info")
		}
		return c.String(http.StatusOK, info.Username)
	}
	s.Echo().GET("/other-first", answer, putOther, s.RequireToken())
	s.Echo().GET("/check-first", answer, s.RequireToken(), putOther)
	s.Echo().GET("/check-only", answer, s.RequireToken())
	s.Echo().GET("/handler-other-first", echo.WrapHandler(s.RequireTokenHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := serverimpl.TokenInfoFrom(r.Context())
		_, _ = w.Write([]byte(info.Username))
	}))), putOther)
	token := s.loginToken(t)
	for path, want := range map[string]string{"/other-first": userName, "/check-first": other.Username, "/check-only": userName, "/handler-other-first": userName} {
		resp, body := s.do(t, http.MethodGet, path, "", nil, "Authorization", "Bearer "+token)
		if resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("%s: %d %q, want the token of %q", path, resp.StatusCode, body, want)
		}
	}
}
