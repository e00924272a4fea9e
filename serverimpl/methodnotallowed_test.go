package serverimpl_test

import (
	"net/http"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// A 405 names the methods the route takes (its Allow header, OPTIONS aside), not always POST:
// a GET-only route says GET.
func TestMethodNotAllowedSaysTheRoutesMethods(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Admin = true })
	for _, c := range []struct {
		method, path, allow, message string
	}{
		{http.MethodDelete, "/healthz", "OPTIONS, GET", "DELETE is not allowed here; use GET"},
		{http.MethodPost, "/openapi.yaml", "OPTIONS, GET", "POST is not allowed here; use GET"},
		{http.MethodGet, serverimpl.BasePath + "/authentication/token", "OPTIONS, POST", "GET is not allowed here; use POST"},
		{http.MethodGet, serverimpl.AdminClockAdvancePath, "OPTIONS, POST", "GET is not allowed here; use POST"},
		{http.MethodPost, "/_crmauth/requests", "OPTIONS, DELETE, GET", "POST is not allowed here; use DELETE or GET"},
	} {
		resp, body := s.do(t, c.method, c.path, "", nil)
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		e := decodeEnvelope(t, body)
		if resp.StatusCode != http.StatusMethodNotAllowed || e.Status.Code != string(gen.ErrorCodeMethodNotAllowed) || e.Status.Message != c.message {
			t.Errorf("%s %s: %d %s %q; want 405 METHOD_NOT_ALLOWED %q", c.method, c.path, resp.StatusCode, e.Status.Code, e.Status.Message, c.message)
		}
	}
}
