package throttle

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newLimiter(max int, window time.Duration) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	return New(Config{MaxFailures: max, Window: window, Now: c.now}), c
}

func TestBlocksAfterMaxFailuresUntilWindowEnds(t *testing.T) {
	l, c := newLimiter(3, time.Minute)
	for i := range 3 {
		if _, blocked := isBlocked(l, "ps_dev/jdoe"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail(ctx, "ps_dev/jdoe")
		c.advance(time.Second)
	}
	wait, blocked := isBlocked(l, "ps_dev/jdoe")
	if !blocked {
		t.Fatal("not blocked after 3 failures")
	}
	// First failure at 0 s, now 3 s: the window ends in 57 s.
	if wait != 57*time.Second {
		t.Fatalf("retry after %v, want 57s", wait)
	}
	if _, blocked := isBlocked(l, "ps_dev/other"); blocked {
		t.Fatal("another key was blocked too")
	}
	c.advance(57 * time.Second)
	if _, blocked := isBlocked(l, "ps_dev/jdoe"); blocked {
		t.Fatal("still blocked after the window ended")
	}
}

func TestResetForgetsFailures(t *testing.T) {
	l, _ := newLimiter(2, time.Minute)
	l.Fail(ctx, "k")
	l.Reset(ctx, "k")
	l.Fail(ctx, "k")
	if _, blocked := isBlocked(l, "k"); blocked {
		t.Fatal("failures before Reset still counted")
	}
	l.Fail(ctx, "k")
	if _, blocked := isBlocked(l, "k"); !blocked {
		t.Fatal("not blocked after 2 failures since Reset")
	}
}

func TestRetryAfterIsWholeSecondsAtLeastOne(t *testing.T) {
	l, c := newLimiter(1, 10*time.Second)
	l.Fail(ctx, "k")
	c.advance(9*time.Second + 900*time.Millisecond)
	if wait, _ := isBlocked(l, "k"); wait != time.Second {
		t.Fatalf("retry after %v, want 1s", wait)
	}
}

func TestDisabledNeverBlocks(t *testing.T) {
	l, _ := newLimiter(0, time.Minute)
	for range 100 {
		l.Fail(ctx, "k")
	}
	if _, blocked := isBlocked(l, "k"); blocked || l.Len() != 0 {
		t.Fatal("a disabled limiter blocked or kept state")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Config{MaxFailures: 1, Window: time.Hour, MaxKeys: 100, Now: c.now})
	for i := range 1000 {
		l.Fail(ctx, fmt.Sprintf("key-%d", i))
		c.advance(time.Millisecond)
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("tracking %d keys, bound is 100", n)
	}
	if _, blocked := isBlocked(l, "key-999"); !blocked {
		t.Fatal("the newest key was dropped instead of the oldest")
	}
}

func TestClear(t *testing.T) {
	l := New(Config{MaxFailures: 1, Window: time.Minute})
	l.Fail(ctx, "a")
	l.Fail(ctx, "b")
	if _, blocked := isBlocked(l, "a"); !blocked {
		t.Fatal("a not blocked after its failure")
	}
	l.Clear(ctx)
	if _, blocked := isBlocked(l, "a"); blocked || l.Len() != 0 {
		t.Fatalf("after Clear: a blocked %v, %d keys tracked", blocked, l.Len())
	}
}

var ctx = context.Background()

// isBlocked is Limiter.Blocked without its error, which the in-memory limiter never returns.
func isBlocked(l *Limiter, key string) (time.Duration, bool) {
	st, err := l.Blocked(ctx, key)
	if err != nil {
		panic(err)
	}
	return st.Wait, st.Blocked
}
