package redisstate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// Two stubs on one Redis act as one: a token from either is checked and released on the
// other, exactly once; both sign with the secret the first created.
func TestReplicasShareSessionsAndSecret(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	a := startReplica(t, srv.URL(), prefix)
	b := startReplica(t, srv.URL(), prefix)

	token := a.keyToken(t)
	if _, err := b.CheckToken(token); err != nil {
		t.Fatalf("a token from one replica, checked on the other: %v", err)
	}
	if got := b.release(t, token); got.status != 200 || got.code != "OK" {
		t.Fatalf("release on the other replica: %d %s %s", got.status, got.code, got.message)
	}
	if got := a.release(t, token); got.status != 401 || got.message != "token has been released" {
		t.Fatalf("second release on the issuing replica: %d %s %s", got.status, got.code, got.message)
	}
	if _, err := a.CheckToken(token); err == nil || !strings.Contains(err.Error(), "released") {
		t.Fatalf("check of the released token on the issuing replica: %v", err)
	}

	// The shared secret: one key in Redis, the same for both, in no log line.
	secret, err := srv.Do("GET", prefix+"secret")
	if err != nil || secret == nil || len(secret.(string)) < 32 {
		t.Fatalf("the secret in Redis: %v, %v", secret, err)
	}
	tokenB := b.keyToken(t)
	if _, err := a.CheckToken(tokenB); err != nil {
		t.Fatalf("a token signed by the second replica, checked on the first: %v", err)
	}
	for _, r := range []*replica{a, b} {
		if strings.Contains(r.log.String(), secret.(string)) {
			t.Fatal("the signing secret is in a log")
		}
	}
}

// Failed attempts count across replicas: the limit is reached by failures on both.
func TestReplicasShareFailureCounts(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	three := func(o *serverimpl.Options) { o.Throttle.MaxFailures = 3 }
	a := startReplica(t, srv.URL(), prefix, three)
	b := startReplica(t, srv.URL(), prefix, three)
	for _, r := range []*replica{a, b, a} {
		if got := r.login(t, "wrong"); got.status != 401 {
			t.Fatalf("wrong password: %d %s", got.status, got.code)
		}
	}
	got := b.login(t, "s3cret-Passw0rd")
	if got.status != 429 || got.retryAfter == "" {
		t.Fatalf("right password after 3 failures on two replicas (limit 3): %d %s, Retry-After %q", got.status, got.code, got.retryAfter)
	}
	// Reset of the counts reaches both (the brake's Clear, as the stub's reset calls it).
	if err := a.state.Failures(throttleAccounts()).Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.login(t, "s3cret-Passw0rd"); got.status != 200 {
		t.Fatalf("login after the counts were cleared: %d %s %s", got.status, got.code, got.message)
	}
}

// An advance of the admin clock on one replica is seen at once there and, by notification,
// on the other well within DefaultClockRefresh; tokens expire on both.
func TestReplicasShareTheClock(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	a := startReplica(t, srv.URL(), prefix)
	b := startReplica(t, srv.URL(), prefix)
	token := b.keyToken(t)

	if got := a.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 7201}`); got.status != 200 {
		t.Fatalf("advance: %d %s %s", got.status, got.code, got.message)
	}
	// At once on the replica that advanced: the key token (2 h) is over.
	if _, err := a.CheckToken(token); err == nil || !strings.Contains(err.Error(), "TOKEN_EXPIRED") {
		t.Fatalf("check on the advancing replica right after the advance: %v", err)
	}
	// On the other: within the bound (a notification normally arrives in milliseconds).
	deadline := time.Now().Add(2 * time.Second)
	for {
		if time.Until(b.Clock().Now()) > 2*time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other replica's clock is %v ahead 2 s after the advance, want 2 h", time.Until(b.Clock().Now()))
		}
		time.Sleep(5 * time.Millisecond) // polling for the property under test: the bounded delay
	}
	if _, err := b.CheckToken(token); err == nil || !strings.Contains(err.Error(), "TOKEN_EXPIRED") {
		t.Fatalf("check on the other replica after the advance: %v", err)
	}
	// Reset goes through the same shared value.
	if err := a.Clock().(*serverimpl.OffsetClock).ResetContext(ctx); err != nil {
		t.Fatal(err)
	}
	if off := time.Until(a.Clock().Now()); off > time.Minute {
		t.Fatalf("offset %v right after the reset", off)
	}
}
