package fleettest

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// replicas is how many `crmauth serve` processes share one Redis.
const replicas = 3

// workers is the round-robin client's concurrency.
const workers = 64

// loadDuration is CRMAUTH_FLEET_DURATION, 20 s by default (5 s under -race, 3 s with -short).
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("CRMAUTH_FLEET_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("CRMAUTH_FLEET_DURATION=%q: want a positive duration like 20s", s)
		}
		return d
	}
	if testing.Short() {
		return 3 * time.Second
	}
	if raceEnabled {
		return 5 * time.Second
	}
	return 20 * time.Second
}

type fleet struct {
	redis    *redistest.Server
	replicas []*replica
	c        *client
	hasCheck bool
}

// startFleet starts one redis-server with an append-only file and three replicas sharing it.
// No replica is given a signing secret: they must share the one the first creates in Redis.
func startFleet(t *testing.T) *fleet {
	t.Helper()
	srv := redistest.Start(t, redistest.Config{AppendOnly: true})
	bin := buildCrmauth(t)
	f := &fleet{redis: srv}
	for n := range replicas {
		f.replicas = append(f.replicas, newReplica(t, n, bin, "--redis-url", srv.URL()))
	}
	f.c = newClient(f.replicas)
	// The token check route exists where forward auth (package gateway) has landed: without a
	// token it answers 401, and 404 where there is no such route.
	a := f.c.do(t.Context(), f.replicas[0], checkRequest("x"))
	f.hasCheck = a.status == http.StatusUnauthorized
	if !f.hasCheck {
		t.Logf("no token check at %s (answered %v): tokens are probed by token/release", checkPath, a)
	}
	return f
}

// live asserts that tok is live on r without ending it (the token check), or, without the
// check route, ends it with a release that must answer OK.
func (f *fleet) live(t *testing.T, r *replica, tok, what string) {
	t.Helper()
	q := releaseRequest(tok)
	if f.hasCheck {
		q = checkRequest(tok)
	}
	if a := f.c.do(t.Context(), r, q); !(a.status == http.StatusOK) {
		t.Errorf("%s on %s: %v, want it live", what, r, a)
	}
}

func (f *fleet) issue(t *testing.T, r *replica, m int) string {
	t.Helper()
	a := f.c.do(t.Context(), r, issuers[m].req)
	if !isOK(a) || a.token == "" {
		t.Fatalf("%s on %s: %v", issuers[m].name, r, a)
	}
	return a.token
}

func TestFleet(t *testing.T) {
	d := loadDuration(t)
	f := startFleet(t)
	t.Run("LoadWithAReplicaKilled", func(t *testing.T) { testLoadWithAReplicaKilled(t, f, d) })
	t.Run("RedisRestarted", func(t *testing.T) { testRedisRestarted(t, f) })
	t.Run("RedisStopped", func(t *testing.T) { testRedisStopped(t, f) })
	// Last: the clock only moves forward, and every token issued so far expires with it.
	t.Run("ClockAdvancedOnOne", func(t *testing.T) { testClockAdvancedOnOne(t, f) })
	if v, err := f.redis.Do("INFO", "clients"); err == nil {
		for _, line := range strings.Split(v.(string), "\n") {
			if strings.HasPrefix(line, "connected_clients:") {
				t.Logf("redis %s at the end", strings.TrimSpace(line))
			}
		}
	}
}

// 64 workers for d over the three replicas; a third of the way in, replica 2 is killed with
// SIGKILL and restarted a second later on the same port. Tokens it issued just before are
// then still live on the others while it is down, and on it after it is back.
func testLoadWithAReplicaKilled(t *testing.T, f *fleet, d time.Duration) {
	victim := f.replicas[2]
	var before []string
	for m := range issuers {
		for range 4 {
			before = append(before, f.issue(t, victim, m))
		}
	}
	l := newLoad(f.c, f.hasCheck)
	stop := make(chan struct{})
	start := time.Now()
	go func() { time.Sleep(d); close(stop) }()
	killed := make(chan error, 1)
	go func() {
		time.Sleep(d / 3)
		victim.kill()
		for i, tok := range before { // while it is down, on the others
			f.live(t, f.replicas[i%2], tok, "a token from the killed replica, while it is down")
		}
		time.Sleep(time.Second)
		killed <- victim.start()
	}()
	l.run(workers, stop)
	elapsed := time.Since(start)
	if err := <-killed; err != nil {
		t.Fatal(err)
	}
	t.Log(l.report(elapsed))
	failed, failures := l.failedCount()
	if failed != 0 {
		t.Errorf("%d failed requests; the first:\n  %s", failed, strings.Join(failures, "\n  "))
	}
	if l.released.Load() != l.issued.Load() {
		t.Errorf("%d tokens issued, %d released exactly once", l.issued.Load(), l.released.Load())
	}
	if l.issued.Load() == 0 || l.crossReplica.Load() == 0 || l.doubles.Load() == 0 || l.races.Load() == 0 {
		t.Errorf("the mix did not run: %s", l.report(elapsed))
	}
	for n, r := range f.replicas[:2] {
		if got := l.retried[n].Load(); got != 0 {
			t.Errorf("%d connection errors from %s, which was never killed", got, r)
		}
	}
	if f.hasCheck {
		for _, tok := range before {
			f.live(t, victim, tok, "a token it issued before its kill, after its restart")
		}
	}
	for i, tok := range before { // and each is released exactly once, on any replica
		if a := f.c.do(t.Context(), f.replicas[i%replicas], releaseRequest(tok)); !isOK(a) && !(!f.hasCheck && isReleased(a)) {
			t.Errorf("release of a token issued before the kill on %s: %v", f.replicas[i%replicas], a)
		}
	}
}

// Redis is restarted (SIGTERM, then started again on its port and directory, with its
// append-only file) while 64 workers run: answers meanwhile are OK or a declared 503, and every
// session issued before is still live after.
func testRedisRestarted(t *testing.T, f *fleet) {
	var before []string
	for i := range 30 {
		before = append(before, f.issue(t, f.replicas[i%replicas], i%len(issuers)))
	}
	l := newLoad(f.c, f.hasCheck)
	l.allow503.Store(true)
	stop := make(chan struct{})
	restarted := make(chan error, 1)
	var down time.Duration
	var back time.Time
	go func() {
		time.Sleep(time.Second)
		t0 := time.Now()
		err := f.redis.Restart()
		back = time.Now()
		down = back.Sub(t0)
		time.Sleep(time.Second)
		close(stop)
		restarted <- err
	}()
	start := time.Now()
	l.run(workers, stop)
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	t.Logf("redis restarted in %v; %s", down.Round(time.Millisecond), l.report(time.Since(start)))
	if last := l.lastUnavailable.Load(); last != 0 {
		t.Logf("the last declared 503 came %v after Redis answered PING again (negative: before)", time.Unix(0, last).Sub(back).Round(time.Millisecond))
	}
	if failed, failures := l.failedCount(); failed != 0 {
		t.Errorf("%d failed requests; the first:\n  %s", failed, strings.Join(failures, "\n  "))
	}
	if l.released.Load() != l.issued.Load() {
		t.Errorf("%d tokens issued, %d released exactly once", l.issued.Load(), l.released.Load())
	}
	lost := 0
	for i, tok := range before {
		r := f.replicas[i%replicas]
		if a := f.c.do(t.Context(), r, releaseRequest(tok)); !isOK(a) {
			lost++
			t.Errorf("a session issued before the Redis restart, released on %s: %v", r, a)
		}
	}
	t.Logf("sessions issued before the restart: %d, lost: %d", len(before), lost)
}

// Redis is stopped: every method, the token check and /healthz answer a declared 503 with
// Retry-After on every replica, a replica logs it once rather than per request; when Redis is
// back (same port, same append-only file), every replica serves again within 5 s and the
// sessions from before are live.
func testRedisStopped(t *testing.T, f *fleet) {
	var before []string
	for i := range 12 {
		before = append(before, f.issue(t, f.replicas[i%replicas], i%len(issuers)))
	}
	logBefore := make([]int, replicas)
	for n, r := range f.replicas {
		logBefore[n] = r.logLines("edis")
	}
	if err := f.redis.Stop(); err != nil {
		t.Fatal(err)
	}
	queries := []request{issuers[0].req, issuers[1].req, issuers[2].req, releaseRequest(before[0])}
	if f.hasCheck {
		queries = append(queries, checkRequest(before[1]))
	}
	// Each request waits for the Redis time-out, so 16 at a time, for 1.5 s.
	var answered atomic.Int64
	deadline := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i += 16 {
				r := f.replicas[i%replicas]
				q := queries[i%len(queries)]
				a := f.c.do(t.Context(), r, q)
				answered.Add(1)
				if a.status != http.StatusServiceUnavailable || a.code != "SERVICE_UNAVAILABLE" || a.retryAfter == "" {
					t.Errorf("%s %s on %s while Redis is down: %v, want 503 SERVICE_UNAVAILABLE with Retry-After", q.method, q.path, r, a)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, r := range f.replicas {
		status, body := healthz(r.addr)
		if status != http.StatusServiceUnavailable {
			t.Errorf("/healthz on %s while Redis is down: %d %s, want 503", r, status, body)
		} else {
			t.Logf("/healthz on %s while Redis is down: %d %s", r, status, strings.TrimSpace(body))
		}
	}
	t.Logf("%d requests while Redis was down, every one a declared 503 with Retry-After", answered.Load())

	if err := f.redis.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	var recovered []time.Duration
	for _, r := range f.replicas {
		for {
			tok := f.c.do(t.Context(), r, issuers[1].req)
			if isOK(tok) && isOK(f.c.do(t.Context(), r, releaseRequest(tok.token))) {
				if status, _ := healthz(r.addr); status == http.StatusOK {
					break
				}
			}
			if time.Since(back) > 5*time.Second {
				t.Fatalf("%s not serving 5 s after Redis came back: %v", r, tok)
			}
			time.Sleep(10 * time.Millisecond)
		}
		recovered = append(recovered, time.Since(back).Round(time.Millisecond))
	}
	t.Logf("full service on every replica after Redis came back: %v (replicas in turn)", recovered)
	for n, r := range f.replicas {
		lines := r.logLines("edis") - logBefore[n]
		t.Logf("%s logged %d lines mentioning Redis for the outage", r, lines)
		if lines > 4 {
			t.Errorf("%s logged %d lines mentioning Redis during an outage of %d requests: want it said once, not per request:\n%s",
				r, lines, answered.Load(), r.logTail())
		}
	}
	for i, tok := range before[2:] {
		f.live(t, f.replicas[i%replicas], tok, "a session issued before Redis stopped")
	}
}

// The clock advanced on one replica is every replica's clock: tokens issued on replica 0 are
// expired on all three once replica 1 moves the clock past their lifetimes.
func testClockAdvancedOnOne(t *testing.T, f *fleet) {
	var toks []string
	for m := range issuers {
		toks = append(toks, f.issue(t, f.replicas[0], m))
	}
	for _, r := range f.replicas {
		for _, tok := range toks {
			if f.hasCheck {
				f.live(t, r, tok, "a fresh token before the clock moves")
			}
		}
	}
	before := clockUnix(t, f.c, f.replicas[1])
	const seconds = 2*60*60 + 1 // past the key tokens' 2 h and the login token's 1 h idle time
	if a := f.c.do(t.Context(), f.replicas[1], advanceRequest(seconds)); a.status != http.StatusOK {
		t.Fatalf("advance on %s: %v", f.replicas[1], a)
	}
	// At once on every replica: no wait for the move to reach them.
	for _, r := range f.replicas {
		if now := clockUnix(t, f.c, r); now < before+seconds {
			t.Errorf("%s's clock right after the advance on %s: %d, want at least %d", r, f.replicas[1], now, before+seconds)
		}
	}
	for i, r := range f.replicas {
		for m, tok := range toks {
			q := checkRequest(tok)
			if !f.hasCheck || i == replicas-1 {
				q = releaseRequest(tok)
			}
			a := f.c.do(t.Context(), r, q)
			if a.status != http.StatusUnauthorized || a.code != "TOKEN_EXPIRED" {
				t.Errorf("%s token from replica 0, %s %s on %s after the advance: %v, want 401 TOKEN_EXPIRED", issuers[m].name, q.method, q.path, r, a)
			}
		}
	}
}

func clockUnix(t *testing.T, c *client, r *replica) int64 {
	t.Helper()
	resp, err := c.http.Get("http://" + r.addr + clockPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			Unix int64 `json:"unix"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s on %s: %d %v", clockPath, r, resp.StatusCode, err)
	}
	return env.Data.Unix
}
