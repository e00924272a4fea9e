// Package countertest is the contract every throttle.Counter passes: the in-memory Limiter
// and the one shared through Redis (redisstate) run the same cases.
package countertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// Store makes counters in one fresh store, as serverimpl.Options.FailureCounts does: counters
// made with the same Config.Name share their counts, different names do not.
type Store func(cfg throttle.Config) throttle.Counter

// Run runs the contract; newStore gives each case a store of its own.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"BlocksAfterMaxFailuresUntilWindowEnds", blocksUntilWindowEnds},
		{"Recorded", recorded},
		{"Reset", reset},
		{"Clear", clearAll},
		{"Disabled", disabled},
		{"NamesApart", namesApart},
		{"BlockedEach", blockedEach},
		{"ConcurrentFailures", concurrentFailures},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

// clock is a settable clock: the counters judge windows by it, not by the wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func config(name string, maxFailures int, window time.Duration, c *clock) throttle.Config {
	return throttle.Config{Name: name, MaxFailures: maxFailures, Window: window, Now: c.now}
}

func status(t *testing.T, c throttle.Counter, key string) throttle.Status {
	t.Helper()
	st, err := c.Blocked(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func fail(t *testing.T, c throttle.Counter, key string) {
	t.Helper()
	if err := c.Fail(context.Background(), key); err != nil {
		t.Fatal(err)
	}
}

func blocksUntilWindowEnds(t *testing.T, s Store) {
	clk := newClock()
	c := s(config("accounts", 3, time.Minute, clk))
	for i := range 3 {
		if st := status(t, c, "ps_dev/jdoe"); st.Blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		fail(t, c, "ps_dev/jdoe")
		clk.advance(time.Second)
	}
	st := status(t, c, "ps_dev/jdoe")
	// First failure at 0 s, now 3 s: the window ends in 57 s.
	if !st.Blocked || st.Wait != 57*time.Second || !st.Recorded {
		t.Fatalf("after 3 failures: %+v, want blocked for 57s", st)
	}
	if st := status(t, c, "ps_dev/other"); st != (throttle.Status{}) {
		t.Fatalf("another key: %+v", st)
	}
	clk.advance(56*time.Second + 100*time.Millisecond)
	if st := status(t, c, "ps_dev/jdoe"); !st.Blocked || st.Wait != time.Second {
		t.Fatalf("900 ms before the window ends: %+v, want blocked for 1s (rounded up)", st)
	}
	clk.advance(900 * time.Millisecond)
	if st := status(t, c, "ps_dev/jdoe"); st != (throttle.Status{}) {
		t.Fatalf("after the window ended: %+v", st)
	}
	// A failure after the window starts a new one.
	fail(t, c, "ps_dev/jdoe")
	if st := status(t, c, "ps_dev/jdoe"); st.Blocked || !st.Recorded {
		t.Fatalf("one failure in a new window: %+v", st)
	}
}

func recorded(t *testing.T, s Store) {
	clk := newClock()
	c := s(config("accounts", 3, time.Minute, clk))
	if st := status(t, c, "k"); st.Recorded {
		t.Fatalf("a key that never failed: %+v", st)
	}
	fail(t, c, "k")
	if st := status(t, c, "k"); !st.Recorded || st.Blocked || st.Wait != 0 {
		t.Fatalf("after one failure: %+v, want recorded, not blocked", st)
	}
	clk.advance(time.Minute)
	if st := status(t, c, "k"); st.Recorded {
		t.Fatalf("after the window ended: %+v, want nothing recorded", st)
	}
}

func reset(t *testing.T, s Store) {
	c := s(config("accounts", 2, time.Minute, newClock()))
	fail(t, c, "k")
	if err := c.Reset(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if st := status(t, c, "k"); st.Recorded {
		t.Fatalf("after Reset: %+v", st)
	}
	fail(t, c, "k")
	if st := status(t, c, "k"); st.Blocked {
		t.Fatal("failures before Reset still counted")
	}
	fail(t, c, "k")
	if st := status(t, c, "k"); !st.Blocked {
		t.Fatal("not blocked after 2 failures since Reset")
	}
	if err := c.Reset(context.Background(), "never-failed"); err != nil {
		t.Fatalf("Reset of a key with nothing recorded: %v", err)
	}
}

func clearAll(t *testing.T, s Store) {
	clk := newClock()
	a := s(config("accounts", 1, time.Minute, clk))
	b := s(config("clients", 1, time.Minute, clk))
	fail(t, a, "x")
	fail(t, a, "y")
	fail(t, b, "x")
	if err := a.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"x", "y"} {
		if st := status(t, a, k); st.Recorded {
			t.Fatalf("%s after Clear: %+v", k, st)
		}
	}
	if st := status(t, b, "x"); !st.Blocked {
		t.Fatalf("Clear of one counter cleared another's: %+v", st)
	}
}

func disabled(t *testing.T, s Store) {
	for _, cfg := range []throttle.Config{config("accounts", 0, time.Minute, newClock()), config("clients", 3, 0, newClock())} {
		c := s(cfg)
		for range 5 {
			fail(t, c, "k")
		}
		if st := status(t, c, "k"); st != (throttle.Status{}) {
			t.Fatalf("%+v disabled: %+v after 5 failures", cfg, st)
		}
	}
}

func namesApart(t *testing.T, s Store) {
	clk := newClock()
	a := s(config("accounts", 1, time.Minute, clk))
	b := s(config("clients", 1, time.Minute, clk))
	fail(t, a, "k")
	if st := status(t, b, "k"); st.Recorded {
		t.Fatalf("a failure counted under another name: %+v", st)
	}
}

func blockedEach(t *testing.T, s Store) {
	clk := newClock()
	accounts := s(config("accounts", 2, time.Minute, clk))
	clients := s(config("clients", 3, time.Minute, clk))
	fail(t, accounts, "acct")
	fail(t, accounts, "acct")
	fail(t, clients, "127.0.0.1")
	clk.advance(10 * time.Second)
	qs := []throttle.Query{{Counter: clients, Key: "127.0.0.1"}, {Counter: accounts, Key: "acct"}, {Counter: accounts, Key: "other"}}
	got, err := throttle.BlockedEach(context.Background(), qs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range qs {
		if want := status(t, q.Counter, q.Key); got[i] != want {
			t.Fatalf("BlockedEach[%d] = %+v, Blocked says %+v", i, got[i], want)
		}
	}
	if !got[1].Blocked || got[1].Wait != 50*time.Second || !got[0].Recorded || got[0].Blocked || got[2].Recorded {
		t.Fatalf("BlockedEach = %+v", got)
	}
	// BlockedBoth answers as BlockedEach does for two.
	for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
		sa, sb, err := throttle.BlockedBoth(context.Background(), qs[pair[0]], qs[pair[1]])
		if err != nil || sa != got[pair[0]] || sb != got[pair[1]] {
			t.Fatalf("BlockedBoth(%d, %d) = %+v, %+v, %v; BlockedEach says %+v, %+v", pair[0], pair[1], sa, sb, err, got[pair[0]], got[pair[1]])
		}
	}
}

// Failures recorded at once from many goroutines (replicas) are all counted.
func concurrentFailures(t *testing.T, s Store) {
	const n = 40
	clk := newClock()
	c := s(config("accounts", n, time.Minute, clk))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n - 1 {
		wg.Go(func() { errs <- c.Fail(context.Background(), "k") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := status(t, c, "k"); st.Blocked || !st.Recorded {
		t.Fatalf("after %d concurrent failures of %d allowed: %+v", n-1, n, st)
	}
	fail(t, c, "k")
	if st := status(t, c, "k"); !st.Blocked {
		t.Fatalf("after %d failures: %+v, want blocked", n, st)
	}
}
