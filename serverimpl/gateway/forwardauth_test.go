package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

func TestForwardAuth(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL, func(_ *gateway.Config, o *serverimpl.Options) { o.AllowedOrigins = []string{"http://app.example"} })
	login, consumer := s.loginToken(t), s.consumerToken(t)
	check := s.URL + gateway.CheckPath

	for name, headers := range map[string][]string{
		"nginx X-Original-URI":     {gateway.HeaderOriginalURI, "/crmapi/rest/v2/contacts/list?page=2&token=" + url.QueryEscape(login)},
		"Traefik X-Forwarded-Uri":  {gateway.HeaderForwardedURI, "/crmapi/rest/v2/contacts/list?token=" + url.QueryEscape(login), "X-Forwarded-Method", "GET"},
		"the client's Bearer":      {"Authorization", "Bearer " + login, gateway.HeaderOriginalURI, "/crmapi/rest/v2/contacts/update"},
		"spoofed identity dropped": {gateway.HeaderOriginalURI, "/x?token=" + login, gateway.HeaderUser, "admin"},
	} {
		a := call(t, http.MethodGet, check, "", "", headers...)
		expect(t, name, a, 200, "OK")
		if a.header.Get(gateway.HeaderUser) != "jdoe" || a.header.Get(gateway.HeaderOrganisation) != "ps_dev" || len(a.header.Get(gateway.HeaderSession)) != 32 {
			t.Errorf("%s: identity headers %v", name, a.header)
		}
	}
	a := call(t, http.MethodGet, check+"?token="+url.QueryEscape(consumer), "", "", "Origin", "http://app.example")
	expect(t, "a service worker's fetch", a, 200, "OK")
	if a.header.Get(gateway.HeaderContact) != "2695FED3FCFD4084AB39F44B18889123" || a.header.Get(gateway.HeaderAccountsReceivable) == "" ||
		!strings.Contains(a.body, `"contact":"2695FED3FCFD4084AB39F44B18889123"`) {
		t.Errorf("consumer token: %v %s", a.header, a.body)
	}
	exposed := a.header.Get("Access-Control-Expose-Headers")
	for _, h := range gateway.IdentityHeaders {
		if !strings.Contains(exposed, h) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
		}
	}
	if a.header.Get("Access-Control-Allow-Origin") != "http://app.example" {
		t.Errorf("Access-Control-Allow-Origin %q", a.header.Get("Access-Control-Allow-Origin"))
	}

	released := s.loginToken(t)
	s.release(t, released)
	expect(t, "released", call(t, http.MethodGet, check, "", "", gateway.HeaderOriginalURI, "/x?token="+released), 401, "INVALID_TOKEN")
	expect(t, "missing", call(t, http.MethodGet, check, "", "", gateway.HeaderOriginalURI, "/x"), 401, "INVALID_TOKEN")
	expect(t, "two tokens", call(t, http.MethodGet, check+"?token="+consumer, "", "", gateway.HeaderOriginalURI, "/x?token="+login), 400, "INVALID_REQUEST")
	s.clock.Advance(2 * time.Hour)
	a = call(t, http.MethodGet, check, "", "", gateway.HeaderForwardedURI, "/x?token="+consumer)
	expect(t, "expired", a, 401, "TOKEN_EXPIRED")
	if a.header.Get(gateway.HeaderUser) != "" || a.header.Get("WWW-Authenticate") == "" {
		t.Errorf("refusal headers %v", a.header)
	}
	if n := len(up.requests()); n != 0 {
		t.Errorf("forward auth reached the upstream %d times", n)
	}
}
