package throttle

import (
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
		if _, blocked := l.Blocked("ps_dev/jdoe"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("ps_dev/jdoe")
		c.advance(time.Second)
	}
	wait, blocked := l.Blocked("ps_dev/jdoe")
	if !blocked {
		t.Fatal("not blocked after 3 failures")
	}
	// First failure at 0 s, now 3 s: the window ends in 57 s.
	if wait != 57*time.Second {
		t.Fatalf("retry after %v, want 57s", wait)
	}
	if _, blocked := l.Blocked("ps_dev/other"); blocked {
		t.Fatal("another key was blocked too")
	}
	c.advance(57 * time.Second)
	if _, blocked := l.Blocked("ps_dev/jdoe"); blocked {
		t.Fatal("still blocked after the window ended")
	}
}

func TestResetForgetsFailures(t *testing.T) {
	l, _ := newLimiter(2, time.Minute)
	l.Fail("k")
	l.Reset("k")
	l.Fail("k")
	if _, blocked := l.Blocked("k"); blocked {
		t.Fatal("failures before Reset still counted")
	}
	l.Fail("k")
	if _, blocked := l.Blocked("k"); !blocked {
		t.Fatal("not blocked after 2 failures since Reset")
	}
}

func TestRetryAfterIsWholeSecondsAtLeastOne(t *testing.T) {
	l, c := newLimiter(1, 10*time.Second)
	l.Fail("k")
	c.advance(9*time.Second + 900*time.Millisecond)
	if wait, _ := l.Blocked("k"); wait != time.Second {
		t.Fatalf("retry after %v, want 1s", wait)
	}
}

func TestDisabledNeverBlocks(t *testing.T) {
	l, _ := newLimiter(0, time.Minute)
	for range 100 {
		l.Fail("k")
	}
	if _, blocked := l.Blocked("k"); blocked || l.Len() != 0 {
		t.Fatal("a disabled limiter blocked or kept state")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(Config{MaxFailures: 1, Window: time.Hour, MaxKeys: 100, Now: c.now})
	for i := range 1000 {
		l.Fail(fmt.Sprintf("key-%d", i))
		c.advance(time.Millisecond)
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("tracking %d keys, bound is 100", n)
	}
	if _, blocked := l.Blocked("key-999"); !blocked {
		t.Fatal("the newest key was dropped instead of the oldest")
	}
}

func TestClear(t *testing.T) {
	l := New(Config{MaxFailures: 1, Window: time.Minute})
	l.Fail("a")
	l.Fail("b")
	if _, blocked := l.Blocked("a"); !blocked {
		t.Fatal("a not blocked after its failure")
	}
	l.Clear()
	if _, blocked := l.Blocked("a"); blocked || l.Len() != 0 {
		t.Fatalf("after Clear: a blocked %v, %d keys tracked", blocked, l.Len())
	}
}
