// Package clock is the stub's time: the Clock every expiry decision reads, the clocks a test
// or the admin routes move (Settable, Offset), and the offset replicas share (SharedOffset).
package clock

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the stub what time it is. Every expiry decision reads it, so a test that swaps
// in a Settable can make tokens expire without waiting.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }

// Settable is a Clock that stands still until told to move. It is safe for concurrent use.
type Settable struct {
	mu    sync.Mutex
	now   time.Time
	start time.Time
}

// NewSettable returns a clock showing start.
func NewSettable(start time.Time) *Settable {
	return &Settable{now: start, start: start}
}

// Now returns the time the clock shows.
func (c *Settable) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Settable) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set makes the clock show t.
func (c *Settable) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Reset makes the clock show its start time again, as when the stub is reset.
func (c *Settable) Reset() { c.Set(c.start) }

// Offset is the wall clock plus an offset that only grows. A running stub uses it behind
// the admin clock route: time keeps passing as usual (so short lifetimes still run out on
// their own) and a browser test can jump ahead. It is safe for concurrent use.
//
// The offset is the process's own (NewOffset) or shared by replicas that act as one
// stub (NewSharedOffset).
type Offset struct {
	offset atomic.Int64 // a time.Duration; atomic, as every request reads it
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

// NewOffset returns a clock that shows the wall-clock time until advanced.
func NewOffset() *Offset { return &Offset{} }

// NewSharedOffset returns a clock whose offset is o's.
func NewSharedOffset(o SharedOffset) *Offset { return &Offset{shared: o} }

// Now returns the wall-clock time plus the offset.
func (c *Offset) Now() time.Time { return c.at(time.Now()) }

// at is the clock's time when the wall clock read wall.
func (c *Offset) at(wall time.Time) time.Time {
	if c.shared != nil {
		return wall.Add(c.shared.Offset())
	}
	return wall.Add(time.Duration(c.offset.Load()))
}

// At is c's time when the wall clock read wall (time.Now a moment ago), for a caller that has
// just read the wall clock anyway: Real and Offset derive it without reading the clock again;
// any other clock (a Settable) is asked.
func At(c Clock, wall time.Time) time.Time {
	switch c := c.(type) {
	case Real:
		return wall
	case *Offset:
		return c.at(wall)
	}
	return c.Now()
}

// Advance moves the clock forward by d. A shared offset that cannot be changed is left as it
// is; AdvanceContext reports it.
func (c *Offset) Advance(d time.Duration) { _ = c.AdvanceContext(context.Background(), d) }

// AdvanceContext moves the clock forward by d, and every replica's with a shared offset.
func (c *Offset) AdvanceContext(ctx context.Context, d time.Duration) error {
	if c.shared != nil {
		_, err := c.shared.Advance(ctx, d)
		return err
	}
	c.offset.Add(int64(d))
	return nil
}

// SyncContext reads a shared offset afresh, where it can be (redisstate's has Sync: one round
// trip), for what reads the clock without asking the store otherwise (the admin views).
func (c *Offset) SyncContext(ctx context.Context) error {
	if s, ok := c.shared.(interface{ Sync(context.Context) error }); ok {
		return s.Sync(ctx)
	}
	return nil
}

// ResetContext sets the offset back to zero (the wall clock), on every replica with a shared
// offset.
func (c *Offset) ResetContext(ctx context.Context) error {
	if c.shared != nil {
		return c.shared.Set(ctx, 0)
	}
	c.offset.Store(0)
	return nil
}

// Reset sets the offset back to zero, as when the stub is reset; a shared offset on every
// replica (one that cannot be changed is left as it is; ResetContext reports it).
func (c *Offset) Reset() { _ = c.ResetContext(context.Background()) }

// Mover is what the admin routes need from a clock: move it forward, and back to where it
// started on reset.
type Mover interface {
	Clock
	Advance(d time.Duration)
	Reset()
}

// Still stands in for a Mover when the stub's clock cannot move: the Go API's Reset still
// works, and nothing advances it (the admin routes are mounted only with a clock that can).
func Still(c Clock) Mover { return still{c} }

type still struct{ Clock }

func (still) Advance(d time.Duration) {}
func (still) Reset()                  {}

// contextual is a clock whose moves can fail and say so: an Offset, whose offset may be
// shared by replicas (in Redis) and so may not be changed.
type contextual interface {
	AdvanceContext(ctx context.Context, d time.Duration) error
	ResetContext(ctx context.Context) error
}

var _ contextual = (*Offset)(nil)

// Admin is a Mover as the admin routes move it: through AdvanceContext and ResetContext where
// the clock has them (their errors answered 503), else through Advance and Reset, which cannot
// fail (Settable).
type Admin struct{ Mover }

// Advance moves the clock forward by d.
func (c Admin) Advance(ctx context.Context, d time.Duration) error {
	if cc, ok := c.Mover.(contextual); ok {
		return cc.AdvanceContext(ctx, d)
	}
	c.Mover.Advance(d)
	return nil
}

// Reset moves the clock back to where it started.
func (c Admin) Reset(ctx context.Context) error {
	if cc, ok := c.Mover.(contextual); ok {
		return cc.ResetContext(ctx)
	}
	c.Mover.Reset()
	return nil
}

// Sync reads a shared offset afresh (Offset.SyncContext), for the views that read the time.
func (c Admin) Sync(ctx context.Context) error {
	if s, ok := c.Mover.(interface{ SyncContext(context.Context) error }); ok {
		return s.SyncContext(ctx)
	}
	return nil
}
