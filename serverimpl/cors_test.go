package serverimpl_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl"
)

func TestCORSPreflight(t *testing.T) {
	s := startStub(t)
	for _, path := range []string{"/authentication/token", "/authentication/web_api_key/token", "/authentication/consumer_application_key/token", "/authentication/token/release"} {
		resp, body := s.do(t, http.MethodOptions, serverimpl.BasePath+path, "", nil,
			"Origin", "http://app.example",
			"Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization, content-type, x-crmauth-fault, x-crmauth-latency")
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("%s preflight: %d %s", path, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Allow-Origin = %q", got)
		}
		allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"authorization", "content-type", "x-crmauth-fault", "x-crmauth-latency", "x-crmauth-retry-after"} {
			if !strings.Contains(allowed, h) {
				t.Errorf("Allow-Headers %q lacks %s", allowed, h)
			}
		}
		if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("Allow-Methods = %q", resp.Header.Get("Access-Control-Allow-Methods"))
		}
	}
}

func TestCORSActualRequest(t *testing.T) {
	s := startStub(t)
	resp, body := s.post(t, "/authentication/web_api_key/token", "application/json", []byte("{}"), "Authorization", vendorBasic, "Origin", "http://app.example")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d, Allow-Origin %q: %s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), body)
	}
	// Scripts must be able to read the headers error handling depends on.
	exposed := strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers"))
	if !strings.Contains(exposed, "retry-after") || !strings.Contains(exposed, "www-authenticate") {
		t.Fatalf("Expose-Headers = %q", exposed)
	}
}

func TestCORSAllowedOrigins(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.AllowedOrigins = []string{"http://app.example"} })
	preflight := func(origin string) *http.Response {
		resp, _ := s.do(t, http.MethodOptions, serverimpl.BasePath+"/authentication/token", "", nil,
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		return resp
	}
	if got := preflight("http://app.example").Header.Get("Access-Control-Allow-Origin"); got != "http://app.example" {
		t.Fatalf("allowed origin: Allow-Origin = %q", got)
	}
	if got := preflight("http://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("other origin: Allow-Origin = %q, want none", got)
	}
}
