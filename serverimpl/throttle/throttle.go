// Package throttle slows down guessing: it counts failed attempts per key (an account, a
// client address, a key) within a window and, once a key has failed too often, tells callers
// how long that key must wait. It is the brute-force brake in front of the stub's logins.
package throttle

import (
	"context"
	"sync"
	"time"
)

// Counter is what the brake needs from a failure count: the in-memory Limiter here, or one
// shared by replicas (redisstate.Failures). Every call takes a context and returns an error,
// because a shared counter is across a network: an error means it could not be asked.
// countertest.Run is the contract every Counter passes.
type Counter interface {
	// Blocked reports key's state: whether it must wait, and for how long.
	Blocked(ctx context.Context, key string) (Status, error)
	// Fail records a failed attempt by key.
	Fail(ctx context.Context, key string) error
	// Reset forgets key's failures, as after a successful login.
	Reset(ctx context.Context, key string) error
	// Clear forgets every key's failures.
	Clear(ctx context.Context) error
}

// Status is what Blocked knows of a key.
type Status struct {
	// Blocked: the key has failed too often in its window and must wait until it ends.
	Blocked bool
	// Wait is how long, RetryAfter's rounding (whole seconds, at least one); 0 unless Blocked.
	Wait time.Duration
	// Recorded: the key has failures in a window that has not ended. When it is false, Reset
	// has nothing to forget (a shared counter can skip that round trip).
	Recorded bool
}

// Query is one key of one counter, for BlockedEach.
type Query struct {
	Counter Counter
	Key     string
}

// Batcher is a Counter that can answer Blocked for the keys of several counters at once: a
// shared store asks them in one round trip instead of one each.
type Batcher interface {
	Counter
	// BlockedEach answers qs in order; ok is false (and nothing asked) when a query's counter
	// is not one it can ask together with its own.
	BlockedEach(ctx context.Context, qs []Query) (st []Status, ok bool, err error)
}

// BlockedEach asks every query: at once when the first query's counter is a Batcher that
// takes them all, else one after the other (stopping at the first error).
func BlockedEach(ctx context.Context, qs ...Query) ([]Status, error) {
	if len(qs) > 0 {
		if b, isBatcher := qs[0].Counter.(Batcher); isBatcher {
			if st, ok, err := b.BlockedEach(ctx, qs); ok {
				return st, err
			}
		}
	}
	out := make([]Status, len(qs))
	for i, q := range qs {
		st, err := q.Counter.Blocked(ctx, q.Key)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// BlockedBoth is BlockedEach for two queries, the brake's account and client: asked one after
// the other it allocates nothing, where BlockedEach's slices cost two allocations per attempt.
func BlockedBoth(ctx context.Context, a, b Query) (Status, Status, error) {
	if batcher, isBatcher := a.Counter.(Batcher); isBatcher {
		if st, ok, err := batcher.BlockedEach(ctx, []Query{a, b}); ok {
			if err != nil {
				return Status{}, Status{}, err
			}
			return st[0], st[1], nil
		}
	}
	sa, err := a.Counter.Blocked(ctx, a.Key)
	if err != nil {
		return Status{}, Status{}, err
	}
	sb, err := b.Counter.Blocked(ctx, b.Key)
	if err != nil {
		return Status{}, Status{}, err
	}
	return sa, sb, nil
}

var _ Counter = (*Limiter)(nil)

// Config sets how many failures a key may have within Window before it is blocked until the
// window ends.
type Config struct {
	// Name tells counters apart in a store shared by several (accounts, clients); the
	// in-memory Limiter does not need it.
	Name string
	// MaxFailures is how many failures a key may have in one window; the next attempt within
	// the window is refused. Zero or less disables the limiter.
	MaxFailures int
	// Window is how long failures are remembered, counted from a key's first failure.
	Window time.Duration
	// MaxKeys bounds memory: when this many keys are tracked, expired ones are swept, and if
	// none has expired the oldest window is dropped. Zero means 100,000.
	MaxKeys int
	// Now is the clock; nil means time.Now. Tests pass a settable clock.
	Now func() time.Time
}

// Limiter is safe for concurrent use.
type Limiter struct {
	cfg     Config
	mu      sync.Mutex
	windows map[string]window
}

type window struct {
	start    time.Time
	failures int
}

// New returns a Limiter for cfg.
func New(cfg Config) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	return &Limiter{cfg: cfg, windows: make(map[string]window)}
}

// Enabled reports whether the limiter refuses anything at all.
func (l *Limiter) Enabled() bool { return l != nil && l.cfg.MaxFailures > 0 && l.cfg.Window > 0 }

// Blocked reports whether key must wait, and for how long (rounded up to whole seconds, at
// least one, so it can go straight into a Retry-After header). It never fails.
func (l *Limiter) Blocked(_ context.Context, key string) (Status, error) {
	return l.blocked(key), nil
}

func (l *Limiter) blocked(key string) Status {
	if !l.Enabled() {
		return Status{}
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok {
		return Status{}
	}
	if l.expired(w, now) {
		delete(l.windows, key)
		return Status{}
	}
	if w.failures < l.cfg.MaxFailures {
		return Status{Recorded: true}
	}
	return Status{Blocked: true, Wait: RetryAfter(w.start.Add(l.cfg.Window).Sub(now)), Recorded: true}
}

// Fail records a failed attempt by key. It never fails.
func (l *Limiter) Fail(_ context.Context, key string) error {
	if !l.Enabled() {
		return nil
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok || l.expired(w, now) {
		if !ok && len(l.windows) >= l.cfg.MaxKeys {
			l.makeRoom(now)
		}
		w = window{start: now}
	}
	w.failures++
	l.windows[key] = w
	return nil
}

// Failures is how many failures key has in its current window (0 when none, or when the
// window has ended), for a refusal's reason. It never fails.
func (l *Limiter) Failures(_ context.Context, key string) (int, error) {
	if !l.Enabled() {
		return 0, nil
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok || l.expired(w, now) {
		return 0, nil
	}
	return w.failures, nil
}

// Reset forgets key's failures, as after a successful login. It never fails.
func (l *Limiter) Reset(_ context.Context, key string) error {
	if !l.Enabled() {
		return nil
	}
	l.mu.Lock()
	delete(l.windows, key)
	l.mu.Unlock()
	return nil
}

// Clear forgets every key's failures, as when the stub is reset to its start state. It never
// fails.
func (l *Limiter) Clear(context.Context) error {
	l.mu.Lock()
	clear(l.windows)
	l.mu.Unlock()
	return nil
}

// Len is the number of keys tracked now.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

func (l *Limiter) expired(w window, now time.Time) bool {
	return !now.Before(w.start.Add(l.cfg.Window))
}

// makeRoom sweeps expired windows; when none has expired it drops the oldest, so an attacker
// spraying keys can cost memory up to MaxKeys and no more.
func (l *Limiter) makeRoom(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, w := range l.windows {
		if l.expired(w, now) {
			delete(l.windows, k)
			continue
		}
		if oldestKey == "" || w.start.Before(oldest) {
			oldestKey, oldest = k, w.start
		}
	}
	if len(l.windows) >= l.cfg.MaxKeys && oldestKey != "" {
		delete(l.windows, oldestKey)
	}
}

// RetryAfter rounds a wait up to whole seconds, at least one, as Retry-After says it.
func RetryAfter(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return s * time.Second
}
