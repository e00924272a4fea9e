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

func TestMemorySessionStoreCountsLiveSessions(t *testing.T) {
	store := serverimpl.NewBoundedMemorySessionStore(3)
	now := epoch
	ids := []serverimpl.SessionID{{1}, {2}, {3}}
	for _, id := range ids {
		if err := store.Add(id, serverimpl.Session{Deadline: now.Add(time.Hour).UnixNano()}, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Add(serverimpl.SessionID{4}, serverimpl.Session{Deadline: now.Add(time.Hour).UnixNano()}, now); err != serverimpl.ErrSessionLimit {
		t.Fatalf("fourth session: %v, want ErrSessionLimit", err)
	}
	store.Release(ids[0], now)
	store.Release(ids[0], now) // twice: counted once
	if got := store.Live(); got != 2 {
		t.Fatalf("live %d after a release, want 2", got)
	}
	if got := store.Use(ids[0], now); got != serverimpl.SessionReleased {
		t.Fatalf("released session is %v", got)
	}
	if err := store.Add(serverimpl.SessionID{4}, serverimpl.Session{Deadline: now.Add(time.Hour).UnixNano()}, now); err != nil {
		t.Fatal(err)
	}
	// Ended sessions are found by the sweep a full store makes before refusing.
	later := now.Add(2 * time.Hour)
	if err := store.Add(serverimpl.SessionID{5}, serverimpl.Session{Deadline: later.Add(time.Hour).UnixNano()}, later); err != nil {
		t.Fatalf("a store full of ended sessions refused: %v", err)
	}
	if got := store.Live(); got != 1 {
		t.Fatalf("live %d after the sweep, want 1", got)
	}
}
