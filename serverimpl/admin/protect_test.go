package admin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/internal/spectest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestProtectedMode: without an admin token, the admin routes answer loopback peers (and
// in-process calls, which have none) and refuse every other peer with 403 in the envelope,
// naming the token and the opt-out; with the token, or with AdminAllowRemote, another host
// gets through. The CRM.COM methods, the health check and the admin document are never
// refused. The stub runs in process so each request can come from the peer of the test's
// choice (a real server on loopback only ever sees 127.0.0.1; the container test in
// internal/releasetest sees a real non-loopback peer through a published port).
func TestProtectedMode(t *testing.T) {
	const secret = "adm-51f0c2"
	const remote, loopback4, loopback6, mapped = "192.0.2.10:40000", "127.0.0.1:40000", "[::1]:40000", "[::ffff:127.0.0.2]:40000"
	router := adminRouter(t)
	adminRoutes := []struct{ method, path, body string }{
		{"GET", "/_crmauth/clock", ""}, {"POST", "/_crmauth/clock/advance", `{"seconds": 1}`},
		{"GET", "/_crmauth/requests", ""}, {"GET", "/_crmauth/requests/count", ""}, {"DELETE", "/_crmauth/requests", ""},
		{"GET", "/_crmauth/sessions", ""}, {"GET", "/_crmauth/coverage", ""}, {"POST", "/_crmauth/reset", ""},
	}
	for _, c := range []struct {
		name    string
		opts    serverimpl.Options
		auth    string
		refused []string // peers refused
		allowed []string
	}{
		{"no token", serverimpl.Options{}, "", []string{remote}, []string{loopback4, loopback6, mapped, ""}},
		{"admin token", serverimpl.Options{AdminToken: secret}, "Bearer " + secret, nil, []string{remote, loopback4, ""}},
		{"allow remote", serverimpl.Options{AdminAllowRemote: true}, "", nil, []string{remote, loopback4, ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Admin = true
			c.opts.Clock = serverimpl.NewSettableClock(epoch)
			h, err := serverimpl.NewHandler(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			send := func(method, path, body, peer, auth string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.RemoteAddr = peer
				req.Header.Set("Content-Type", "application/json")
				// A forwarding header never makes a peer loopback.
				req.Header.Set("X-Forwarded-For", "127.0.0.1")
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			for _, r := range adminRoutes {
				for _, peer := range c.refused {
					rec := send(r.method, r.path, r.body, peer, c.auth)
					var e adminapi.ErrorResponse
					if err := json.Unmarshal(rec.Body.Bytes(), &e); rec.Code != http.StatusForbidden || err != nil ||
						e.Status.Code != adminapi.ErrorCodeInvalidToken {
						t.Fatalf("%s %s from %s: %d %s, want 403 INVALID_TOKEN", r.method, r.path, peer, rec.Code, rec.Body)
					}
					for _, hint := range []string{"--admin-token", "CRMAUTH_ADMIN_TOKEN", "--admin-allow-remote"} {
						if !strings.Contains(e.Status.Message, hint) {
							t.Errorf("the refusal does not name %s: %s", hint, e.Status.Message)
						}
					}
					req := httptest.NewRequest(r.method, r.path, nil)
					route, params, err := router.FindRoute(req)
					if err != nil {
						t.Fatal(err)
					}
					if err := spectest.ValidateAnswer(ctx, req, route, params, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
						t.Errorf("%s %s: the 403 does not match admin.yaml: %v", r.method, r.path, err)
					}
				}
				for _, peer := range c.allowed {
					if rec := send(r.method, r.path, r.body, peer, c.auth); rec.Code != http.StatusOK {
						t.Errorf("%s %s from %q: %d %s, want 200", r.method, r.path, peer, rec.Code, rec.Body)
					}
				}
			}
			// What is not administration answers every peer.
			for _, peer := range append(c.refused, c.allowed...) {
				for _, r := range []struct{ method, path, body string }{
					{"GET", "/healthz", ""}, {"GET", serverimpl.AdminDocumentPath, ""},
					{"POST", serverimpl.BasePath + "/authentication/token", `{"username": "` + userName + `", "password": "` + userPassword + `", "organisation": "` + organisation + `"}`},
				} {
					if rec := send(r.method, r.path, r.body, peer, ""); rec.Code != http.StatusOK {
						t.Errorf("%s %s from %q: %d %s, want 200", r.method, r.path, peer, rec.Code, rec.Body)
					}
				}
			}
		})
	}
}
