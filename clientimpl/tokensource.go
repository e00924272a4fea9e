package clientimpl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a TokenSource; each has an option.
const (
	// DefaultRefreshAhead is how long before a key token's end the source starts getting the
	// next one in the background, while callers keep getting the current one.
	DefaultRefreshAhead = 5 * time.Minute
	// DefaultExpiryMargin is how long before its end a token stops being handed out at all,
	// so that no caller sends a token that dies in flight.
	DefaultExpiryMargin = 30 * time.Second
	// DefaultIdleTimeout is CRM.COM's idle timeout of login tokens.
	DefaultIdleTimeout = time.Hour
)

// backgroundRetryDelay is how long the source waits after a failed background refresh before
// it tries again (each refresh already retries transient failures itself).
const backgroundRetryDelay = 10 * time.Second

// touchEvery is the granularity of "last use" for idle-expiring tokens: a hand-out within this
// long of the last recorded one does not write, so the hot path stays read-only. The known
// end of the token is thus at most this much earlier than the real one, never later.
const touchEvery = time.Second

// Clock tells the time. *serverimpl.SettableClock satisfies it, so a test can drive the stub
// and the source with the same clock.
type Clock interface{ Now() time.Time }

// SourceOption configures a TokenSource.
type SourceOption func(*TokenSource) error

// WithClock makes the source tell the time by c instead of the system clock, so a test can
// move the source and the stub through time together. Without it the source reads only the
// monotonic clock (time.Since), which wall-clock jumps do not disturb.
func WithClock(c Clock) SourceOption {
	return func(s *TokenSource) error {
		if c == nil {
			return errors.New("WithClock: nil Clock")
		}
		s.clock = c
		return nil
	}
}

// WithRefreshAhead sets how long before a key token's end the next one is fetched in the
// background (default DefaultRefreshAhead). It is capped at half the token's lifetime, so a
// short-lived token is not refreshed the moment it arrives.
func WithRefreshAhead(d time.Duration) SourceOption {
	return func(s *TokenSource) error {
		if d < 0 {
			return errors.New("WithRefreshAhead: negative duration")
		}
		s.refreshAhead = d
		return nil
	}
}

// WithExpiryMargin sets how long before its end a token is no longer handed out (default
// DefaultExpiryMargin): the time a request needs to reach the server, plus slack. It is capped
// at a tenth of the token's lifetime.
func WithExpiryMargin(d time.Duration) SourceOption {
	return func(s *TokenSource) error {
		if d < 0 {
			return errors.New("WithExpiryMargin: negative duration")
		}
		s.expiryMargin = d
		return nil
	}
}

// WithIdleTimeout sets the idle timeout of login tokens (default DefaultIdleTimeout, CRM.COM's
// one hour). The source cannot learn it from the token: a login token's exp is not its end.
// Set it to the server's value when that differs (the stub's LoginIdleTimeout, for one).
func WithIdleTimeout(d time.Duration) SourceOption {
	return func(s *TokenSource) error {
		if d <= 0 {
			return errors.New("WithIdleTimeout: duration must be positive")
		}
		s.idleTimeout = d
		return nil
	}
}

// WithLogger reports failed background refreshes and releases to l (default: nowhere). Log
// records never hold credentials or token values.
func WithLogger(l *slog.Logger) SourceOption {
	return func(s *TokenSource) error {
		if l == nil {
			return errors.New("WithLogger: nil Logger")
		}
		s.logger = l
		return nil
	}
}

// TokenSource hands out a token for one set of credentials, getting a new one only when
// needed. It is safe for concurrent use, and meant to live as long as the program: build one
// per credentials with NewTokenSource, call Token (or use EditRequest) wherever a token is
// needed, and Close it on shutdown.
//
// How it decides:
//   - Key tokens (WebAPIKey, ConsumerApplicationKey) live from issue to exp. Their end on the
//     local clock is the moment the request was sent plus exp − iat, so clock skew between
//     this host and the server does not matter. Within RefreshAhead of the end, one background
//     fetch gets the next token while callers keep getting the current one; within
//     ExpiryMargin of the end the current one is no longer handed out and callers wait for
//     the fetch.
//   - Login tokens die after IdleTimeout without use, whatever their exp says. Every hand-out
//     counts as use — the caller is about to send it — so the known end moves to IdleTimeout
//     after the latest hand-out. A token handed out regularly is kept indefinitely; one idle
//     for IdleTimeout − ExpiryMargin is replaced.
//   - However many goroutines ask at once, at most one request for a token is in flight. It
//     runs on the source's own context, so a caller whose context ends stops waiting without
//     cancelling it for the others; only Close cancels it. Transient failures are retried per
//     the Client's RetryPolicy.
//   - Superseded tokens are not released when a new one arrives (requests in flight may still
//     carry them; they end within RefreshAhead). Close releases both.
//
// The cache hit — a valid token in hand — takes no lock and makes no allocation.
type TokenSource struct {
	client *Client
	creds  Credentials
	// clock is nil for the system clock: the source then reads only the monotonic clock
	// (time.Since), half the cost of time.Now on the hot path.
	clock Clock
	// base is the instant every time in the source is counted from; deadlines are durations
	// since base, so comparing them is integer arithmetic.
	base         time.Time
	refreshAhead time.Duration
	expiryMargin time.Duration
	idleTimeout  time.Duration
	logger       *slog.Logger
	placement    TokenPlacement

	current atomic.Pointer[cachedToken]
	// backgroundAfter: no background refresh starts before this instant (ns since base);
	// MaxInt64 while a fetch is in flight, a little after now once one failed, MinInt64
	// otherwise. It keeps the hot path off the mutex while a token is stale.
	backgroundAfter atomic.Int64

	mu       sync.Mutex
	inflight *fetch
	previous *cachedToken // the token current replaced, released on Close
	closed   bool
	ctx      context.Context // every fetch runs on it; Close cancels it
	cancel   context.CancelFunc
}

// fetch is one request for a token that any number of callers wait for.
type fetch struct {
	done chan struct{}
	tok  Token // set before done is closed
	err  error
}

// cachedToken is immutable once published, except lastUse. Its instants are durations since
// the source's base.
type cachedToken struct {
	tok Token
	// Key tokens: when the token turns stale, stops being handed out, and ends at the server.
	refreshAt, usableUntil, end time.Duration
	// Login tokens.
	idle        bool
	idleUsable  time.Duration // IdleTimeout − margin
	idleTimeout time.Duration
	lastUse     atomic.Int64 // the latest recorded hand-out (or the request, at first)
}

type freshness int

const (
	fresh   freshness = iota // hand it out
	stale                    // hand it out, and fetch the next one in the background
	expired                  // do not hand it out
)

func (c *cachedToken) freshness(now time.Duration) freshness {
	switch {
	case c.idle:
		if now < time.Duration(c.lastUse.Load())+c.idleUsable {
			return fresh
		}
	case now < c.refreshAt:
		return fresh
	case now < c.usableUntil:
		return stale
	}
	return expired
}

// alive reports whether the server still takes the token at now, as far as the source knows:
// past the margin, but not past the end. Close releases such tokens.
func (c *cachedToken) alive(now time.Duration) bool {
	if c.idle {
		return now < time.Duration(c.lastUse.Load())+c.idleTimeout
	}
	return now < c.end
}

// touch records a hand-out of an idle-expiring token.
func (c *cachedToken) touch(now time.Duration) {
	if !c.idle {
		return
	}
	if last := c.lastUse.Load(); int64(now) > last+int64(touchEvery) {
		// A lost race means another goroutine recorded a hand-out within touchEvery: fine.
		c.lastUse.CompareAndSwap(last, int64(now))
	}
}

// NewTokenSource returns a TokenSource that gets tokens from c with creds. It sends nothing
// until the first Token call.
func NewTokenSource(c *Client, creds Credentials, opts ...SourceOption) (*TokenSource, error) {
	if c == nil {
		return nil, errors.New("crmauth: NewTokenSource: nil Client")
	}
	if creds == nil {
		return nil, errors.New("crmauth: NewTokenSource: nil Credentials")
	}
	if err := creds.validate(); err != nil {
		return nil, err
	}
	s := &TokenSource{
		client:       c,
		creds:        creds,
		refreshAhead: DefaultRefreshAhead,
		expiryMargin: DefaultExpiryMargin,
		idleTimeout:  DefaultIdleTimeout,
		logger:       slog.New(slog.DiscardHandler),
		placement:    DefaultTokenPlacement,
	}
	for _, opt := range opts {
		if err := opt(s); err != nil {
			return nil, fmt.Errorf("crmauth: %w", err)
		}
	}
	if s.clock == nil {
		s.base = time.Now()
	} else {
		s.base = s.clock.Now()
	}
	s.backgroundAfter.Store(math.MinInt64)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// now is the time since base.
func (s *TokenSource) now() time.Duration {
	if s.clock == nil {
		return time.Since(s.base)
	}
	return s.clock.Now().Sub(s.base)
}

// Token returns a token that is valid now, with at least ExpiryMargin to live. It blocks only
// when no such token is in hand, until one arrives or ctx ends. Errors are the Client's
// (match them with errors.Is), ctx.Err(), or ErrClosed.
func (s *TokenSource) Token(ctx context.Context) (Token, error) {
	if c := s.current.Load(); c != nil {
		now := s.now()
		switch c.freshness(now) {
		case fresh:
			c.touch(now)
			return c.tok, nil
		case stale:
			if int64(now) >= s.backgroundAfter.Load() {
				s.refreshInBackground(now)
			}
			return c.tok, nil
		}
	}
	return s.wait(ctx)
}

// refreshInBackground starts a fetch unless one runs or one failed a moment ago.
func (s *TokenSource) refreshInBackground(now time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.inflight != nil || int64(now) < s.backgroundAfter.Load() {
		return
	}
	s.startLocked()
}

// wait is Token's slow path: no usable token in hand.
func (s *TokenSource) wait(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Token{}, ErrClosed
	}
	// A fetch may have finished while this caller took the slow path.
	if c := s.current.Load(); c != nil {
		now := s.now()
		if c.freshness(now) != expired {
			c.touch(now)
			s.mu.Unlock()
			return c.tok, nil
		}
	}
	f := s.inflight
	if f == nil {
		f = s.startLocked()
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return Token{}, f.err
		}
		return f.tok, nil
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

func (s *TokenSource) startLocked() *fetch {
	f := &fetch{done: make(chan struct{})}
	s.inflight = f
	s.backgroundAfter.Store(math.MaxInt64)
	go s.run(f)
	return f
}

// run is the one fetch in flight.
func (s *TokenSource) run(f *fetch) {
	start := s.now()
	tok, err := s.creds.requestToken(s.ctx, s.client)
	var c *cachedToken
	if err == nil {
		c, err = s.cache(tok, start)
	}

	s.mu.Lock()
	s.inflight = nil
	switch {
	case err != nil:
		s.backgroundAfter.Store(int64(s.now() + backgroundRetryDelay))
	case !s.closed:
		// When closed, Close releases tok: it waits for this fetch.
		if old := s.current.Swap(c); old != nil {
			s.previous = old
		}
		s.backgroundAfter.Store(math.MinInt64)
	}
	s.mu.Unlock()

	if err != nil && !errors.Is(err, context.Canceled) {
		s.logger.Warn("crmauth: getting a token failed", "error", err)
	}
	f.tok, f.err = tok, err
	close(f.done)
}

// cache works out when tok turns stale and stops being usable, on the local clock.
func (s *TokenSource) cache(tok Token, sent time.Duration) (*cachedToken, error) {
	if s.creds.idleExpiring() {
		c := &cachedToken{tok: tok, idle: true, idleTimeout: s.idleTimeout,
			idleUsable: s.idleTimeout - min(s.expiryMargin, s.idleTimeout/10)}
		c.lastUse.Store(int64(sent))
		return c, nil
	}
	lifetime := tok.Lifetime()
	if lifetime <= 0 {
		// No usable iat: trust that the two clocks agree.
		lifetime = tok.Expiry.Sub(s.base.Add(sent))
	}
	if lifetime <= 0 {
		return nil, &ResponseError{Operation: "token source", HTTPStatus: 200,
			Reason: "the token arrived already expired (check the clocks of this host and the server)"}
	}
	end := sent + lifetime
	return &cachedToken{
		tok:         tok,
		refreshAt:   end - min(s.refreshAhead, lifetime/2),
		usableUntil: end - min(s.expiryMargin, lifetime/10),
		end:         end,
	}, nil
}

// Invalidate drops the token in hand, so the next Token call gets a new one. Call it when
// another CRM.COM method refused the token (INVALID_TOKEN, TOKEN_EXPIRED, a 401). The dropped
// token is not released: the server has already refused it.
func (s *TokenSource) Invalidate() {
	s.current.Store(nil)
}

// InvalidateToken drops the token in hand only if it is value, and reports whether it did.
// Use it when many requests may fail with the same token at once: only the first drops it, and
// the fresh token a concurrent caller already got is kept.
func (s *TokenSource) InvalidateToken(value string) bool {
	c := s.current.Load()
	return c != nil && c.tok.Value == value && s.current.CompareAndSwap(c, nil)
}

// Close stops the source and releases every token it still holds at the server (the current
// one, the one it replaced, and one a fetch in flight brings back). Token then returns
// ErrClosed. Tokens the server already considers dead are not an error. Close is idempotent;
// ctx bounds the releases.
func (s *TokenSource) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	f := s.inflight
	held := []*cachedToken{s.current.Swap(nil), s.previous}
	s.previous = nil
	s.mu.Unlock()
	s.cancel()

	now := s.now()
	var release []string
	for _, c := range held {
		if c != nil && c.alive(now) {
			release = append(release, c.tok.Value)
		}
	}
	if f != nil {
		select {
		case <-f.done:
			if f.err == nil {
				release = append(release, f.tok.Value)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var errs []error
	for _, v := range release {
		err := s.client.ReleaseToken(ctx, v)
		if err != nil && !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrTokenExpired) {
			s.logger.Warn("crmauth: releasing a token failed", "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
