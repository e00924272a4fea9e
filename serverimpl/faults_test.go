package serverimpl_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// validRequests are requests each method would answer 200, so a fault is all that fails them.
var validRequests = map[string]string{
	"/authentication/token":                          `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`,
	"/authentication/web_api_key/token":              `{}`,
	"/authentication/consumer_application_key/token": `{"access_token_identifier":{"authentication_code":"p_kestora1!"}}`,
}

// TestFaultEveryDeclaredStatus forces every error status each operation declares; the spec
// check on the client validates each answer (envelope, Retry-After, WWW-Authenticate).
func TestFaultEveryDeclaredStatus(t *testing.T) {
	s := startStub(t)
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	release := s.loginToken(t)
	for path, item := range spec.Paths.Map() {
		body := validRequests[path]
		if body == "" {
			body = `{"token":"` + release + `"}`
		}
		for status := range item.Post.Responses.Map() {
			n, _ := strconv.Atoi(status)
			if n < 400 {
				continue
			}
			t.Run(path+" "+status, func(t *testing.T) {
				resp, got := s.post(t, path, "application/json", []byte(body), "Authorization", vendorBasic, serverimpl.FaultHeader, status)
				e := decodeEnvelope(t, got)
				if resp.StatusCode != n || e.Status.Message != "injected by "+serverimpl.FaultHeader {
					t.Fatalf("got %d %s", resp.StatusCode, got)
				}
				if (n == 429 || n == 503) && resp.Header.Get("Retry-After") != "1" {
					t.Errorf("Retry-After = %q, want 1", resp.Header.Get("Retry-After"))
				}
			})
		}
	}
	checkToken(t, s, release, "") // no fault touched the session
}

func TestFaultByCode(t *testing.T) {
	s := startStub(t)
	cases := []struct {
		path, fault string
		status      int
		code        gen.ErrorCode
	}{
		{"/authentication/token/release", "TOKEN_EXPIRED", 401, gen.ErrorCodeTokenExpired},
		{"/authentication/token/release", "401", 401, gen.ErrorCodeInvalidToken},
		{"/authentication/consumer_application_key/token", "invalid_access_token_identifier", 401, gen.ErrorCodeInvalidAccessTokenIdentifier},
		{"/authentication/consumer_application_key/token", "401", 401, gen.ErrorCodeInvalidKey},
		{"/authentication/token", "UNIT_NOT_ALLOWED", 403, gen.ErrorCodeUnitNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.fault, func(t *testing.T) {
			// The body is not even valid: a forced fault is answered whatever the request holds.
			resp, got := s.post(t, c.path, "application/json", []byte(`{"nonsense":true}`), serverimpl.FaultHeader, c.fault)
			expectFailure(t, resp.StatusCode, got, c.status, c.code, "injected")
			if c.code == gen.ErrorCodeInvalidKey && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("INVALID_KEY without a challenge")
			}
		})
	}
}

func TestFaultRetryAfter(t *testing.T) {
	s := startStub(t)
	resp, got := s.post(t, "/authentication/token", "application/json", nil, serverimpl.FaultHeader, "TOO_MANY_REQUESTS", serverimpl.RetryAfterHeader, "7")
	expectFailure(t, resp.StatusCode, got, 429, gen.ErrorCodeTooManyRequests, "injected")
	if resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("Retry-After = %q, want 7", resp.Header.Get("Retry-After"))
	}
	resp, got = s.post(t, "/authentication/token", "application/json", nil, serverimpl.FaultHeader, "503", serverimpl.RetryAfterHeader, "soon")
	expectFailure(t, resp.StatusCode, got, 400, gen.ErrorCodeInvalidRequest, serverimpl.RetryAfterHeader)
}

func TestFaultNotDeclared(t *testing.T) {
	s := startStub(t)
	cases := map[string]string{
		"/authentication/token/release":                  "403",           // release declares no 403
		"/authentication/token":                          "TOKEN_EXPIRED", // a 401, but not one login answers
		"/authentication/web_api_key/token":              "404",           // not an operation's status at all
		"/authentication/consumer_application_key/token": "teapot",
	}
	for path, fault := range cases {
		resp, got := s.post(t, path, "application/json", []byte(validRequests[path]), "Authorization", vendorBasic, serverimpl.FaultHeader, fault)
		expectFailure(t, resp.StatusCode, got, 400, gen.ErrorCodeInvalidRequest, "is not an error")
	}
}

func TestFaultsDisabled(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.DisableFaults = true })
	resp, got := s.post(t, "/authentication/token", "application/json", []byte(validRequests["/authentication/token"]),
		serverimpl.FaultHeader, "503", serverimpl.LatencyHeader, "1h")
	if resp.StatusCode != 200 {
		t.Fatalf("with faults disabled the headers must be ignored: %d %s", resp.StatusCode, got)
	}
}

// TestLatency checks lower bounds only: the answer cannot come before the added latency.
func TestLatency(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Latency = 40 * time.Millisecond })
	timed := func(headers ...string) (time.Duration, *http.Response, []byte) {
		start := time.Now()
		resp, body := s.post(t, "/authentication/web_api_key/token", "application/json", []byte("{}"), append([]string{"Authorization", vendorBasic}, headers...)...)
		return time.Since(start), resp, body
	}
	if d, resp, body := timed(); resp.StatusCode != 200 || d < 40*time.Millisecond {
		t.Fatalf("global latency: %d after %s: %s", resp.StatusCode, d, body)
	}
	for _, v := range []string{"100ms", "100"} {
		if d, resp, body := timed(serverimpl.LatencyHeader, v); resp.StatusCode != 200 || d < 140*time.Millisecond {
			t.Fatalf("%s %s: %d after %s: %s", serverimpl.LatencyHeader, v, resp.StatusCode, d, body)
		}
	}
	for _, v := range []string{"soon", "-1s", "2h"} {
		_, resp, body := timed(serverimpl.LatencyHeader, v)
		expectFailure(t, resp.StatusCode, body, 400, gen.ErrorCodeInvalidRequest, serverimpl.LatencyHeader)
	}
}
