package redisstate_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
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

// An advance of the admin clock on one replica decides the next request on every replica,
// with no wait for a notification: the session scripts read the offset in Redis. A reset too.
func TestReplicasShareTheClock(t *testing.T) {
	testShareTheClock(t, redistest.Start(t, redistest.Config{}).URL())
}

func testShareTheClock(t *testing.T, url string) {
	prefix := uniquePrefix()
	a := startReplica(t, url, prefix)
	b := startReplica(t, url, prefix)
	token := b.keyToken(t)

	if got := a.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 7201}`); got.status != 200 {
		t.Fatalf("advance: %d %s %s", got.status, got.code, got.message)
	}
	if _, err := b.CheckToken(token); err == nil || !strings.Contains(err.Error(), "TOKEN_EXPIRED") {
		t.Fatalf("check on the other replica right after the advance: %v", err)
	}
	// That check's round trip brought b's clock up to date.
	if ahead := time.Until(b.Clock().Now()); ahead < 2*time.Hour {
		t.Fatalf("the other replica's clock after its check: %v ahead, want 2 h", ahead)
	}
	if _, err := a.CheckToken(token); err == nil || !strings.Contains(err.Error(), "TOKEN_EXPIRED") {
		t.Fatalf("check on the advancing replica after the advance: %v", err)
	}
	// Reset goes through the same shared value: a token issued before it is live again at once.
	fresh := a.keyToken(t)
	if got := a.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 3600}`); got.status != 200 {
		t.Fatalf("advance: %d %s %s", got.status, got.code, got.message)
	}
	if err := b.Clock().(*serverimpl.OffsetClock).ResetContext(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckToken(fresh); err != nil {
		t.Fatalf("check right after a reset on the other replica of a token issued before an advance of 1 h: %v", err)
	}
	if off := time.Until(a.Clock().Now()); off > time.Minute {
		t.Fatalf("offset %v after the reset and a check", off)
	}
}

// What else reads the time goes by a move on another replica at once: the brake's windows
// (one script per attempt, and the windows' read when a login compares bcrypt hashes), the
// times a new token is signed with (iat), and the admin clock and sessions.
func TestClockMoveDecidesAtOnce(t *testing.T) {
	testClockMoveDecidesAtOnce(t, redistest.Start(t, redistest.Config{}).URL(), false)
}

// testClockMoveDecidesAtOnce on the Redis at url; on a Cluster the journal's stamp of a
// request that asks Redis nothing else is by the replica's copy, which is not checked.
func testClockMoveDecidesAtOnce(t *testing.T, url string, cluster bool) {
	three := func(o *serverimpl.Options) { o.Throttle.MaxFailures = 3 }
	hashed := func(o *serverimpl.Options) {
		f := serverimpl.DefaultFixtures()
		hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-Passw0rd"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		f.Users[0].Password = string(hash)
		o.Fixtures = f
	}
	for _, c := range []struct {
		name      string
		configure []func(*serverimpl.Options)
	}{
		{"OneScriptPerAttempt", []func(*serverimpl.Options){three}},
		{"WindowsAskedFirst", []func(*serverimpl.Options){three, hashed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			prefix := uniquePrefix()
			a := startReplica(t, url, prefix, c.configure...)
			b := startReplica(t, url, prefix, c.configure...)
			for range 3 {
				if got := a.login(t, "wrong"); got.status != 401 {
					t.Fatalf("wrong password: %d %s", got.status, got.code)
				}
			}
			if got := a.login(t, "s3cret-Passw0rd"); got.status != 429 {
				t.Fatalf("right password after 3 failures (limit 3): %d %s", got.status, got.code)
			}
			// Past the window (5 min) on b: a admits the login at once, and signs its token
			// with the moved time.
			if got := b.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 301}`); got.status != 200 {
				t.Fatalf("advance: %d %s %s", got.status, got.code, got.message)
			}
			got := a.login(t, "s3cret-Passw0rd")
			if got.status != 200 {
				t.Fatalf("login on a right after b moved the clock past the window: %d %s %s", got.status, got.code, got.message)
			}
			if ahead := issuedAt(t, got.data["token"].(string)) - time.Now().Unix(); ahead < 299 {
				t.Errorf("a token issued on a right after b advanced the clock by 301 s has iat %d s ahead of the wall clock", ahead)
			}
			key := a.keyToken(t)
			if got := b.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 7201}`); got.status != 200 {
				t.Fatalf("advance: %d %s %s", got.status, got.code, got.message)
			}
			// A request that asks Redis nothing before its answer (no credentials) is
			// journalled by the moved clock.
			if got := a.do(t, "POST", serverimpl.BasePath+"/authentication/web_api_key/token", "{}"); got.status != 401 {
				t.Fatalf("web_api_key/token without credentials: %d %s", got.status, got.code)
			}
			entries, err := a.state.Journal(0).List(ctx, journal.Filter{Status: 401, Limit: 1})
			if err != nil || len(entries) != 1 {
				t.Fatalf("the journal's newest 401: %v, %v", entries, err)
			}
			if ahead := time.Until(entries[0].Time); ahead < (7201+299)*time.Second && !cluster {
				t.Errorf("a request on a right after b advanced is journalled %v ahead of the wall clock, want %d s", ahead, 7201+301)
			}
			if ahead := clockAhead(t, a); ahead < 7201+299 {
				t.Errorf("GET %s on a right after b advanced: %d s ahead, want %d", serverimpl.AdminClockPath, ahead, 7201+301)
			}
			list := a.do(t, "GET", "/_crmauth/sessions?state=expired", "")
			if list.status != 200 || !strings.Contains(fmt.Sprint(list.data), jti(t, key)) {
				t.Errorf("GET /_crmauth/sessions?state=expired on a right after b advanced past the key token: %d %s, %v; want the key token listed", list.status, list.code, list.data)
			}
		})
	}
}

// issuedAt is a token's iat claim (Unix seconds), read without checking the signature.
func issuedAt(t *testing.T, token string) int64 {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		IssuedAt json.Number `json:"iat"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	n, err := c.IssuedAt.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// clockAhead is how far GET /_crmauth/clock on r is ahead of the wall clock, in seconds.
func clockAhead(t *testing.T, r *replica) int64 {
	t.Helper()
	got := r.do(t, "GET", serverimpl.AdminClockPath, "")
	if got.status != 200 {
		t.Fatalf("GET %s: %d %s", serverimpl.AdminClockPath, got.status, got.code)
	}
	return int64(got.data["unix"].(float64)) - time.Now().Unix()
}

// An offset an earlier version of this package left (a string of microseconds) is kept: the
// first replica to start turns it into the hash.
func TestOffsetOfAnEarlierVersion(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	if _, err := srv.Do("SET", prefix+"clock", "3600000000"); err != nil {
		t.Fatal(err)
	}
	off, err := open(t, srv.URL(), redisstate.Config{Prefix: prefix}).Offset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := off.Offset(); got != time.Hour {
		t.Fatalf("offset %v, want the hour an earlier version left", got)
	}
	if typ, err := srv.Do("TYPE", prefix+"clock"); err != nil || typ != "hash" {
		t.Fatalf("TYPE of the offset's key: %v, %v", typ, err)
	}
	if _, err := off.Advance(ctx, time.Hour); err != nil || off.Offset() != 2*time.Hour {
		t.Fatalf("advance after the upgrade: %v, offset %v", err, off.Offset())
	}
}
