// Package throttle slows down guessing: it counts failed attempts per key (an account, a
// client address, a key) within a window and, once a key has failed too often, tells callers
// how long that key must wait. It is the brute-force brake in front of the stub's logins.
package throttle

import (
	"sync"
	"time"
)

// Config sets how many failures a key may have within Window before it is blocked until the
// window ends.
type Config struct {
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
// least one, so it can go straight into a Retry-After header).
func (l *Limiter) Blocked(key string) (time.Duration, bool) {
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
	return retryAfter(w.start.Add(l.cfg.Window).Sub(now)), true
}

// Fail records a failed attempt by key.
func (l *Limiter) Fail(key string) {
	if !l.Enabled() {
		return
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
}

// Reset forgets key's failures, as after a successful login.
func (l *Limiter) Reset(key string) {
	if !l.Enabled() {
		return
	}
	l.mu.Lock()
	delete(l.windows, key)
	l.mu.Unlock()
}

// Clear forgets every key's failures, as when the stub is reset to its start state.
func (l *Limiter) Clear() {
	l.mu.Lock()
	clear(l.windows)
	l.mu.Unlock()
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

func retryAfter(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return s * time.Second
}
