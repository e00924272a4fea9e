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
type Counter interface {
	// Blocked reports whether key must wait, and for how long (RetryAfter's rounding).
	Blocked(ctx context.Context, key string) (wait time.Duration, blocked bool, err error)
	// Fail records a failed attempt by key.
	Fail(ctx context.Context, key string) error
	// Reset forgets key's failures, as after a successful login.
	Reset(ctx context.Context, key string) error
	// Clear forgets every key's failures.
	Clear(ctx context.Context) error
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
func (l *Limiter) Blocked(_ context.Context, key string) (time.Duration, bool, error) {
	wait, blocked := l.blocked(key)
	return wait, blocked, nil
}

func (l *Limiter) blocked(key string) (time.Duration, bool) {
	if !l.Enabled() {
		return 0, false
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok {
		return 0, false
	}
	if l.expired(w, now) {
		delete(l.windows, key)
		return 0, false
	}
	if w.failures < l.cfg.MaxFailures {
		return 0, false
	}
	return RetryAfter(w.start.Add(l.cfg.Window).Sub(now)), true
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
