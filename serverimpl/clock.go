package serverimpl

import (
	"context"
	"sync"
	"time"
)

// Clock tells the stub what time it is. Every expiry decision reads it, so a test that swaps
// in a SettableClock can make tokens expire without waiting.
type Clock interface {
	Now() time.Time
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// SettableClock is a Clock that stands still until told to move. It is safe for concurrent use.
type SettableClock struct {
	mu    sync.Mutex
	now   time.Time
	start time.Time
}

// NewSettableClock returns a clock showing start.
func NewSettableClock(start time.Time) *SettableClock {
	return &SettableClock{now: start, start: start}
}

// Now returns the time the clock shows.
func (c *SettableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *SettableClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set makes the clock show t.
func (c *SettableClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Reset makes the clock show its start time again, as when the stub is reset.
func (c *SettableClock) Reset() { c.Set(c.start) }

// OffsetClock is the wall clock plus an offset that only grows. A running stub uses it behind
// the admin clock route: time keeps passing as usual (so short lifetimes still run out on
// their own) and a browser test can jump ahead. It is safe for concurrent use.
//
// The offset is the process's own (NewOffsetClock) or shared by replicas that act as one
// stub (NewSharedOffsetClock).
type OffsetClock struct {
	mu     sync.Mutex
	offset time.Duration
	shared SharedOffset
}

// SharedOffset is an offset kept outside the process, so that an advance on one replica moves
// every replica's clock (redisstate.Offset keeps it in Redis).
type SharedOffset interface {
	// Offset is the offset as last known. Now calls it on every request: it must not wait
	// for the network (redisstate keeps a copy, which each reply updates; its scripts decide
	// with the offset in Redis, so a move on another replica decides at once).
	Offset() time.Duration
	// Advance adds d to the shared offset and returns the new one; from its return on,
	// Offset answers at least that on this replica.
	Advance(ctx context.Context, d time.Duration) (time.Duration, error)
	// Set makes the shared offset d (0: the wall clock again).
	Set(ctx context.Context, d time.Duration) error
}

// NewOffsetClock returns a clock that shows the wall-clock time until advanced.
func NewOffsetClock() *OffsetClock { return &OffsetClock{} }

// NewSharedOffsetClock returns a clock whose offset is o's.
func NewSharedOffsetClock(o SharedOffset) *OffsetClock { return &OffsetClock{shared: o} }

// Now returns the wall-clock time plus the offset.
func (c *OffsetClock) Now() time.Time {
	if c.shared != nil {
		return time.Now().Add(c.shared.Offset())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d. A shared offset that cannot be changed is left as it
// is; AdvanceContext reports it.
func (c *OffsetClock) Advance(d time.Duration) { _ = c.AdvanceContext(context.Background(), d) }

// AdvanceContext moves the clock forward by d, and every replica's with a shared offset.
func (c *OffsetClock) AdvanceContext(ctx context.Context, d time.Duration) error {
	if c.shared != nil {
		_, err := c.shared.Advance(ctx, d)
		return err
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	return nil
}

// SyncContext reads a shared offset afresh, where it can be (redisstate's has Sync: one round
// trip), for what reads the clock without asking the store otherwise (the admin views).
func (c *OffsetClock) SyncContext(ctx context.Context) error {
	if s, ok := c.shared.(interface{ Sync(context.Context) error }); ok {
		return s.Sync(ctx)
	}
	return nil
}

// ResetContext sets the offset back to zero (the wall clock), on every replica with a shared
// offset.
func (c *OffsetClock) ResetContext(ctx context.Context) error {
	if c.shared != nil {
		return c.shared.Set(ctx, 0)
	}
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
	return nil
}

// Reset sets the offset back to zero, as when the stub is reset; a shared offset on every
// replica (one that cannot be changed is left as it is; ResetContext reports it).
func (c *OffsetClock) Reset() { _ = c.ResetContext(context.Background()) }

// advancer is what the admin routes need from a clock: move it forward, and back to where it
// started on reset.
type advancer interface {
	Clock
	Advance(d time.Duration)
	Reset()
}
