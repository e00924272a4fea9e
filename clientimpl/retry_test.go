package clientimpl

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryDelayIsBoundedExponentialWithJitter(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	transient := &TransportError{Operation: opLogin, Err: errors.New("connection refused")}
	for n := 1; n < 10; n++ {
		backoff := min(100*time.Millisecond<<(n-1), time.Second)
		for range 200 {
			d, ok := p.delay(n, transient)
			if !ok {
				t.Fatalf("retry %d refused", n)
			}
			if d < backoff/2 || d > backoff {
				t.Fatalf("retry %d: delay %v outside [%v, %v]", n, d, backoff/2, backoff)
			}
		}
	}
	if _, ok := p.delay(10, transient); ok {
		t.Error("retried after MaxAttempts")
	}
}

func TestRetryDelayJitters(t *testing.T) {
	p := DefaultRetryPolicy.withDefaults()
	seen := map[time.Duration]bool{}
	for range 50 {
		d, _ := p.delay(3, &TransportError{Err: errors.New("x")})
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 delays took only %d values: no jitter", len(seen))
	}
}

func TestRetryOnlyTransientFailures(t *testing.T) {
	p := DefaultRetryPolicy.withDefaults()
	for _, tc := range []struct {
		err   error
		retry bool
	}{
		{&TransportError{Err: errors.New("reset")}, true},
		{&APIError{HTTPStatus: 500, Code: "INTERNAL_ERROR"}, true},
		{&APIError{HTTPStatus: 502}, true},
		{&APIError{HTTPStatus: 503, Code: "SERVICE_UNAVAILABLE"}, true},
		{&APIError{HTTPStatus: 429, Code: "TOO_MANY_REQUESTS"}, true},
		{&APIError{HTTPStatus: 400, Code: "INVALID_REQUEST"}, false},
		{&APIError{HTTPStatus: 401, Code: "INVALID_CREDENTIALS"}, false},
		{&APIError{HTTPStatus: 403, Code: "UNIT_NOT_ALLOWED"}, false},
		{&APIError{HTTPStatus: 404}, false},
		{&APIError{HTTPStatus: 408}, false},
		{&APIError{HTTPStatus: 200, Code: "INTERNAL_ERROR"}, false},
		{&ResponseError{HTTPStatus: 200, Reason: "no token"}, false},
		{context.Canceled, false},
	} {
		if _, ok := p.delay(1, tc.err); ok != tc.retry {
			t.Errorf("retry after %v = %v, want %v", tc.err, ok, tc.retry)
		}
	}
}

func TestRetryHonoursRetryAfterUpToTheCap(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Second}.withDefaults()
	d, ok := p.delay(1, &APIError{HTTPStatus: http.StatusTooManyRequests, RetryAfter: 5 * time.Second})
	if !ok || d < 5*time.Second || d > 20*time.Second {
		t.Errorf("Retry-After 5s: delay %v, %v", d, ok)
	}
	// Asked to wait longer than the cap: give up now, the error says how long to wait.
	if d, ok := p.delay(1, &APIError{HTTPStatus: http.StatusTooManyRequests, RetryAfter: time.Minute}); ok {
		t.Errorf("Retry-After 1m over a 20s cap: retried after %v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		" 2 ":                           2 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"99999999999":                   24 * time.Hour,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}
