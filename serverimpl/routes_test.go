package serverimpl_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestRoutes: a route mounted through Options.Extensions with Routes answers the very first
// request a Start-ed stub gets (Start is serving when it returns, too late for Echo()), and
// RequireToken, taken from the Stub Routes is given, guards it.
func TestRoutes(t *testing.T) {
	var given *serverimpl.Stub
	s := startStub(t, func(o *serverimpl.Options) {
		o.Extensions = append(o.Extensions, serverimpl.Routes(func(e *echo.Echo, stub *serverimpl.Stub) {
			given = stub
			e.GET("/contacts", func(c echo.Context) error {
				info, _ := serverimpl.TokenInfoFrom(c.Request().Context())
				return c.JSON(http.StatusOK, map[string]string{"username": info.Username})
			}, stub.RequireToken())
		}))
	})
	if given != s.Stub {
		t.Fatalf("Routes was given %p, not the stub Start serves (%p)", given, s.Stub)
	}

	// The server's first request: the route exists and refuses a request without a token.
	resp, body := s.do(t, http.MethodGet, "/contacts", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("first request without a token: %d %s", resp.StatusCode, body)
	}
	var refused struct{ Status struct{ Code string } }
	if err := json.Unmarshal(body, &refused); err != nil || refused.Status.Code != "INVALID_TOKEN" {
		t.Fatalf("first request without a token: %s", body)
	}

	resp, body = s.do(t, http.MethodGet, "/contacts", "", nil, "Authorization", "Bearer "+s.loginToken(t))
	var got struct{ Username string }
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK || got.Username != userName {
		t.Fatalf("with a token: %d %s", resp.StatusCode, body)
	}
}
