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
