package serverimpl_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// A full stub answers 503 SERVICE_UNAVAILABLE with Retry-After, and takes logins again as soon
// as a token is released or expires; tokens already issued keep working meanwhile.
func TestMaxSessions(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.MaxSessions = 2 })
	first := s.loginToken(t)
	s.webAPIKeyToken(t)

	for _, path := range []string{opLogin, opWebKey, opConsumer} {
		body, headers := validLogin, []string{}
		switch path {
		case opWebKey:
			body, headers = "{}", []string{"Authorization", vendorKeyBasic}
		case opConsumer:
			body, headers = consumerBody, []string{"Authorization", vendorKeyBasic}
		}
		resp, data := s.post(t, path, "application/json", []byte(body), headers...)
		expectFailure(t, resp.StatusCode, data, http.StatusServiceUnavailable, gen.ErrorCodeServiceUnavailable, "limit of live sessions")
		if resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: 503 without Retry-After", path)
		}
	}
	if _, err := s.CheckToken(first); err != nil {
		t.Fatalf("a token issued before the stub was full is refused: %v", err)
	}

	// Releasing a token frees its place.
	if r := s.release(t, first); r.StatusCode() != http.StatusOK {
		t.Fatalf("release: %d %s", r.StatusCode(), r.Body)
	}
	s.loginToken(t)
	resp, data := s.post(t, opLogin, "application/json", []byte(validLogin))
	expectFailure(t, resp.StatusCode, data, http.StatusServiceUnavailable, gen.ErrorCodeServiceUnavailable, "limit of live sessions")

	// So does the end of a session: both tokens end within the key lifetime.
	s.clock.Advance(serverimpl.DefaultKeyTokenLifetime + time.Second)
	s.loginToken(t)
	s.webAPIKeyToken(t)
}
