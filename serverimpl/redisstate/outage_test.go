package redisstate_test

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// While Redis is down every method, the token check and /healthz answer 503 with Retry-After
// (never 500), one log line says so, and when Redis is back (append-only file: nothing lost)
// everything works again by itself, with one more log line; no goroutine outlives the stub.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{AppendOnly: true, AppendFsync: "always"})
	before := runtime.NumGoroutine()
	t.Run("outage", func(t *testing.T) {
		r := startReplica(t, srv.URL(), uniquePrefix())
		token := r.keyToken(t)
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		base := serverimpl.BasePath + "/authentication/"
		requests := []struct{ path, body string }{
			{base + "token", `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`},
			{base + "web_api_key/token", `{}`},
			{base + "consumer_application_key/token", `{"access_token_identifier":{"authentication_code":"p_kestora1!"}}`},
			{base + "token/release", `{"token":"` + token + `"}`},
		}
		for range 3 { // more requests than log lines
			for _, q := range requests {
				got := r.do(t, "POST", q.path, q.body, "Authorization", vendorBasic)
				if got.status != 503 || got.code != "SERVICE_UNAVAILABLE" || got.retryAfter == "" {
					t.Fatalf("%s with Redis down: %d %s %q, Retry-After %q", q.path, got.status, got.code, got.message, got.retryAfter)
				}
			}
		}
		if _, err := r.CheckToken(token); err == nil || !strings.Contains(err.Error(), "SERVICE_UNAVAILABLE") {
			t.Fatalf("token check with Redis down: %v", err)
		}
		health := r.do(t, "GET", "/healthz", "")
		if health.status != 503 || health.retryAfter == "" || !strings.Contains(health.message, "redis unavailable") {
			t.Fatalf("/healthz with Redis down: %d %q", health.status, health.message)
		}
		if n := strings.Count(r.log.String(), "redis does not answer"); n != 1 {
			t.Fatalf("%d log lines about the outage, want 1:\n%s", n, r.log.String())
		}
		// The journal and coverage are not tried while Redis is down: no line per request.
		if n := strings.Count(r.log.String(), "store failed"); n != 0 {
			t.Fatalf("%d log lines about the journal or coverage during the outage, want 0:\n%s", n, r.log.String())
		}

		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		// Back: rueidis dials again on the next command after a failed one; the issue asks
		// for full service within 5 s.
		back := time.Now()
		for r.do(t, "GET", "/healthz", "").status != 200 {
			if time.Since(back) > 5*time.Second {
				t.Fatal("/healthz still not 200 5 s after Redis came back")
			}
			time.Sleep(50 * time.Millisecond) // polling for the property under test
		}
		t.Logf("full service %v after Redis came back", time.Since(back).Round(time.Millisecond))
		// The session issued before the outage is there (append-only file).
		if _, err := r.CheckToken(token); err != nil {
			t.Fatalf("token check after Redis came back: %v", err)
		}
		if got := r.release(t, token); got.status != 200 {
			t.Fatalf("release after Redis came back: %d %s %s", got.status, got.code, got.message)
		}
		if n := strings.Count(r.log.String(), "redis answers again"); n != 1 {
			t.Fatalf("%d log lines about the recovery, want 1:\n%s", n, r.log.String())
		}
	})
	// The stub, its connections and the clock's goroutines are gone once closed.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after the stub closed, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // goroutines end asynchronously after Close returns
	}
}

// A Redis that is slow (busy for longer than the time-out) gets the same 503 within the
// time-out, not a hung request.
func TestRedisSlow(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{Args: []string{"--enable-debug-command", "local"}})
	r := startReplica(t, srv.URL(), uniquePrefix())
	token := r.keyToken(t)
	busy := make(chan error, 1)
	go func() { _, err := redistest.Command(srv.Addr, 5*time.Second, "DEBUG", "SLEEP", "1.5"); busy <- err }()
	// Wait until Redis is busy: a PING on a connection of its own goes unanswered for 50 ms.
	// Bounded polling of the condition, not a wait for time: the loop ends as soon as
	// DEBUG SLEEP has started, what is measured below is the stub's bound.
	for deadline := time.Now().Add(2 * time.Second); ; {
		_, err := redistest.Command(srv.Addr, 50*time.Millisecond, "PING")
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("Redis did not become busy: %v", err)
		}
	}
	start := time.Now()
	got := r.release(t, token)
	took := time.Since(start)
	if got.status != 503 || got.retryAfter == "" {
		t.Fatalf("release while Redis is busy: %d %s %q", got.status, got.code, got.message)
	}
	if took > time.Second {
		t.Fatalf("release while Redis is busy took %v, want about the 500 ms time-out", took)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	if got := r.release(t, token); got.status != 200 {
		t.Fatalf("release once Redis answers again: %d %s %s", got.status, got.code, got.message)
	}
}
