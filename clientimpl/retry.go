package clientimpl

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how a call retries transient failures: transport failures (no answer), 5xx
// answers and 429 answers. Any other refusal — a wrong password, an unknown key, a 4xx — is
// returned at once: asking again would get the same answer (and feed a brute-force throttle).
//
// The wait before retry n (n = 1, 2, …) is BaseDelay·2^(n−1), capped at MaxDelay, with "equal
// jitter" (a random point in its upper half) so that many clients do not retry in step. When
// the server sends Retry-After, the wait is at least that long; when Retry-After is longer
// than MaxDelay the call gives up at once and returns the error, whose RetryAfter says how
// long the server asked for.
//
// Zero fields take the defaults; a zero RetryPolicy is DefaultRetryPolicy.
type RetryPolicy struct {
	// MaxAttempts is the most attempts a call makes, the first included. 0 means 4; 1 means
	// no retries.
	MaxAttempts int
	// BaseDelay is the first wait. 0 means 250 ms.
	BaseDelay time.Duration
	// MaxDelay caps every wait, the server's Retry-After included. 0 means 30 s.
	MaxDelay time.Duration
	// Sleep waits d or until ctx ends, whichever comes first, and returns ctx.Err() in the
	// latter case. nil means a real timer. Tests pass a func that records d and returns at
	// once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetryPolicy is what a Client uses unless told otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 30 * time.Second}

// NoRetry makes every call a single attempt.
var NoRetry = RetryPolicy{MaxAttempts: 1}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

// delay is the wait before retry n after err, and false when the call should give up.
func (p RetryPolicy) delay(n int, err error) (time.Duration, bool) {
	if n >= p.MaxAttempts || !retryable(err) {
		return 0, false
	}
	backoff := p.MaxDelay
	if shift := n - 1; shift < 30 && p.BaseDelay<<shift > 0 && p.BaseDelay<<shift < p.MaxDelay {
		backoff = p.BaseDelay << shift
	}
	d := backoff/2 + rand.N(backoff/2+1)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		if apiErr.RetryAfter > p.MaxDelay {
			return 0, false
		}
		d = max(d, apiErr.RetryAfter)
	}
	return min(d, p.MaxDelay), true
}

// retryable: no answer, 429 or 5xx. The caller's own context ending is checked by the call
// loop, so an attempt's timeout (a TransportError) stays retryable.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	return errors.Is(err, ErrTransport)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parseRetryAfter reads Retry-After as delay-seconds or as an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
