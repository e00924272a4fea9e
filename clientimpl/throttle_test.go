package clientimpl_test

import (
	"context"
	"errors"
	"testing"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// The stub's brute-force brake seen through the client: a wrong password is never retried
// (a retry would only feed the brake), and once the account is blocked the client returns
// ErrThrottled with the stub's Retry-After at once instead of waiting minutes.
func TestThrottledByTheStub(t *testing.T) {
	s := startStub(t, serverimpl.Options{Throttle: serverimpl.ThrottleOptions{MaxFailures: 3}})
	c, sl := s.client(t)
	ctx := context.Background()
	wrong := jdoe
	wrong.Password = "not-the-password"
	for range 3 {
		if _, err := c.Login(ctx, wrong); !errors.Is(err, clientimpl.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v, want ErrInvalidCredentials", err)
		}
	}
	_, err := c.Login(ctx, jdoe)
	var apiErr *clientimpl.APIError
	if !errors.Is(err, clientimpl.ErrThrottled) || !errors.As(err, &apiErr) || apiErr.RetryAfter != serverimpl.DefaultFailureWindow {
		t.Fatalf("blocked login: %v, want ErrThrottled with RetryAfter %v", err, serverimpl.DefaultFailureWindow)
	}
	if n := s.count(pathLogin); n != 4 || len(sl.all()) != 0 {
		t.Fatalf("%d requests and waits %v; want 4 and none", n, sl.all())
	}
	s.clock.Advance(apiErr.RetryAfter)
	if _, err := c.Login(ctx, jdoe); err != nil {
		t.Fatalf("login once the window ended: %v", err)
	}
}
