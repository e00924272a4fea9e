package clientimpl_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

func TestEveryMethodAgainstTheStub(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	c, _ := s.client(t)
	ctx := context.Background()

	check := func(name string, tok clientimpl.Token, err error, user, unit string, lifetime time.Duration) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tok.Username != user || tok.Organisation != "ps_dev" || tok.Unit != unit || len(tok.SessionID) != 32 {
			t.Errorf("%s: claims %v", name, tok)
		}
		if !tok.IssuedAt.Equal(epoch) || tok.Lifetime() != lifetime {
			t.Errorf("%s: iat %v, lifetime %v; want %v, %v", name, tok.IssuedAt, tok.Lifetime(), epoch, lifetime)
		}
		if err := c.ReleaseToken(ctx, tok.Value); err != nil {
			t.Errorf("%s: release: %v", name, err)
		}
		if err := c.ReleaseToken(ctx, tok.Value); !errors.Is(err, clientimpl.ErrInvalidToken) {
			t.Errorf("%s: second release: %v, want ErrInvalidToken", name, err)
		}
	}

	tok, err := c.Login(ctx, jdoe)
	check("login", tok, err, "jdoe", "1", time.Hour)
	unit2 := jdoe
	unit2.Unit = "2"
	tok, err = c.Login(ctx, unit2)
	check("login unit 2", tok, err, "jdoe", "2", time.Hour)
	tok, err = c.WebAPIKeyToken(ctx, webAPIKey)
	check("web API key", tok, err, tok.Username, "1", 2*time.Hour)
	tok, err = c.ConsumerApplicationKeyToken(ctx, consumer)
	check("consumer, authentication code", tok, err, "maytemplate", "1", 2*time.Hour)
	tok, err = c.Token(ctx, clientimpl.ConsumerApplicationKey{Key: consumer.Key,
		AccessTokenIdentifier: clientimpl.AccessTokenIdentifier{Identifier: "maytemplate-card-0001", PassCode: "4321"}})
	check("consumer, identifier and pass code", tok, err, "maytemplate", "1", 2*time.Hour)
}

func TestNumericDatesFromTheStub(t *testing.T) {
	s := startStub(t, serverimpl.Options{NumericDates: true})
	c, _ := s.client(t)
	tok, err := c.WebAPIKeyToken(context.Background(), webAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expiry.Equal(epoch.Add(2 * time.Hour)) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, epoch.Add(2*time.Hour))
	}
}

// Each refusal of the stub arrives as the right typed error, after exactly one request.
func TestRefusalsFromTheStub(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	c, sl := s.client(t)
	ctx := context.Background()

	expiredKeyToken, err := c.WebAPIKeyToken(ctx, webAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(3 * time.Hour)

	for _, tc := range []struct {
		name     string
		call     func() error
		sentinel error
		status   int
	}{
		{"wrong password", func() error {
			l := jdoe
			l.Password = "wrong"
			_, err := c.Login(ctx, l)
			return err
		}, clientimpl.ErrInvalidCredentials, 401},
		{"unknown organisation", func() error {
			l := jdoe
			l.Organisation = "nope"
			_, err := c.Login(ctx, l)
			return err
		}, clientimpl.ErrInvalidCredentials, 401},
		{"unit not allowed", func() error {
			l := jdoe
			l.Unit = "9"
			_, err := c.Login(ctx, l)
			return err
		}, clientimpl.ErrUnitNotAllowed, 403},
		{"unknown key", func() error {
			_, err := c.WebAPIKeyToken(ctx, clientimpl.WebAPIKey{Key: "00000000000000000000000000000000"})
			return err
		}, clientimpl.ErrInvalidKey, 401},
		{"wrong authentication code", func() error {
			k := consumer
			k.AccessTokenIdentifier.AuthenticationCode = "wrong"
			_, err := c.ConsumerApplicationKeyToken(ctx, k)
			return err
		}, clientimpl.ErrInvalidAccessTokenIdentifier, 401},
		{"release forged token", func() error {
			return c.ReleaseToken(ctx, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl")
		}, clientimpl.ErrInvalidToken, 401},
		{"release expired token", func() error {
			return c.ReleaseToken(ctx, expiredKeyToken.Value)
		}, clientimpl.ErrTokenExpired, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.tokenRequests() + s.count(pathRelease)
			err := tc.call()
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var apiErr *clientimpl.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatus != tc.status || apiErr.Description == "" || apiErr.Message == "" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if errors.Is(err, clientimpl.ErrTemporary) || errors.Is(err, clientimpl.ErrTransport) {
				t.Errorf("a refusal matches ErrTemporary or ErrTransport: %v", err)
			}
			if n := s.tokenRequests() + s.count(pathRelease) - before; n != 1 {
				t.Errorf("%d requests; a 4xx must not be retried", n)
			}
		})
	}
	if len(sl.all()) != 0 {
		t.Errorf("slept between attempts %v; no refusal is retried", sl.all())
	}
}

func TestTransportFailureIsNotARefusal(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	sl := &sleeps{}
	c, err := clientimpl.New(url, clientimpl.WithRetryPolicy(clientimpl.RetryPolicy{MaxAttempts: 3, Sleep: sl.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WebAPIKeyToken(context.Background(), webAPIKey)
	var te *clientimpl.TransportError
	if !errors.As(err, &te) || !errors.Is(err, clientimpl.ErrTransport) || !errors.Is(err, clientimpl.ErrTemporary) {
		t.Fatalf("err = %v (%T), want a TransportError", err, err)
	}
	var apiErr *clientimpl.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a transport failure is an APIError: %v", err)
	}
	if len(sl.all()) != 2 {
		t.Errorf("slept %v; want two waits for three attempts", sl.all())
	}
	if strings.Contains(err.Error(), webAPIKey.Key) {
		t.Errorf("error shows the key: %v", err)
	}
}

// A server that is not CRM.COM (a wrong base URL, a captive portal) gives ErrUnexpectedResponse.
func TestNotCRMCOMIsAnUnexpectedResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>hello</html>"))
	}))
	defer srv.Close()
	c, err := clientimpl.New(srv.URL, clientimpl.WithRetryPolicy(clientimpl.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(context.Background(), jdoe)
	if !errors.Is(err, clientimpl.ErrUnexpectedResponse) || tok != (clientimpl.Token{}) {
		t.Fatalf("tok=%v err=%v, want ErrUnexpectedResponse and no token", tok, err)
	}
}

func TestRetriesTransientFailuresThenSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(s *stub)
		min    time.Duration
	}{
		{"500", func(s *stub) { s.failNext(2, http.StatusInternalServerError, "") }, 0},
		{"503 with Retry-After", func(s *stub) { s.failNext(2, http.StatusServiceUnavailable, "3") }, 3 * time.Second},
		{"429 with Retry-After", func(s *stub) { s.failNext(2, http.StatusTooManyRequests, "2") }, 2 * time.Second},
		{"connection dropped", func(s *stub) { s.dropNext(2) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startStub(t, serverimpl.Options{})
			c, sl := s.client(t)
			tc.inject(s)
			tok, err := c.WebAPIKeyToken(context.Background(), webAPIKey)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Value == "" || s.count(pathWebAPIKey) != 3 {
				t.Errorf("%d requests, want 3 (two failures, one success)", s.count(pathWebAPIKey))
			}
			waits := sl.all()
			if len(waits) != 2 {
				t.Fatalf("waits %v, want 2", waits)
			}
			for _, d := range waits {
				if d < tc.min || d > clientimpl.DefaultRetryPolicy.MaxDelay {
					t.Errorf("wait %v outside [%v, %v]", d, tc.min, clientimpl.DefaultRetryPolicy.MaxDelay)
				}
			}
		})
	}
}

func TestRetriesStopAfterTheBound(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	sl := &sleeps{}
	c, err := clientimpl.New(s.URL, clientimpl.WithRetryPolicy(clientimpl.RetryPolicy{
		MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 10 * time.Second, Sleep: sl.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	s.failNext(100, http.StatusServiceUnavailable, "")
	_, err = c.Login(context.Background(), jdoe)
	if !errors.Is(err, clientimpl.ErrServiceUnavailable) {
		t.Fatalf("err = %v, want ErrServiceUnavailable", err)
	}
	if n := s.count(pathLogin); n != 3 {
		t.Errorf("%d requests, want MaxAttempts = 3", n)
	}
	waits := sl.all()
	if len(waits) != 2 || waits[0] < 500*time.Millisecond || waits[0] > time.Second || waits[1] < time.Second || waits[1] > 2*time.Second {
		t.Errorf("waits %v, want one in [0.5s,1s] then one in [1s,2s]", waits)
	}
}

// Asked to wait longer than MaxDelay, the client gives up at once and says how long.
func TestRetryAfterOverTheCapGivesUp(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	c, sl := s.client(t)
	s.failNext(1, http.StatusTooManyRequests, "3600")
	_, err := c.Login(context.Background(), jdoe)
	var apiErr *clientimpl.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, clientimpl.ErrThrottled) || apiErr.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want ErrThrottled with RetryAfter 1h", err)
	}
	if s.count(pathLogin) != 1 || len(sl.all()) != 0 {
		t.Errorf("%d requests, waits %v; want 1 and none", s.count(pathLogin), sl.all())
	}
}

// The caller's context ends the retries: no further attempt after it is cancelled.
func TestCallerContextStopsRetries(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	c, err := clientimpl.New(s.URL, clientimpl.WithRetryPolicy(clientimpl.RetryPolicy{
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }}))
	if err != nil {
		t.Fatal(err)
	}
	s.failNext(100, http.StatusInternalServerError, "")
	if _, err := c.Login(ctx, jdoe); !errors.Is(err, clientimpl.ErrServerError) {
		t.Fatalf("err = %v", err)
	}
	if n := s.count(pathLogin); n != 1 {
		t.Errorf("%d requests after the context was cancelled in the first wait, want 1", n)
	}
}

// A release whose answer was lost is retried; the retry's "invalid token" means the first
// attempt released it.
func TestReleaseRetriedAfterLostAnswer(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	c, _ := s.client(t)
	tok, err := c.WebAPIKeyToken(context.Background(), webAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	s.dropNext(1)
	if err := c.ReleaseToken(context.Background(), tok.Value); err != nil {
		t.Fatalf("release after a dropped connection: %v", err)
	}
	if err := c.ReleaseToken(context.Background(), tok.Value); !errors.Is(err, clientimpl.ErrInvalidToken) {
		t.Errorf("the token still works after release: %v", err)
	}
}

func TestAttemptTimeout(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	_, release := s.hold()
	defer release()
	c, err := clientimpl.New(s.URL, clientimpl.WithTimeout(50*time.Millisecond), clientimpl.WithRetryPolicy(clientimpl.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WebAPIKeyToken(context.Background(), webAPIKey)
	if !errors.Is(err, clientimpl.ErrTransport) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a transport failure from the attempt timeout", err)
	}
}

// faultTransport asks the stub for its own injected failure (serverimpl.FaultHeader) on the
// first n requests: the answers are the stub's, in its envelope, with its Retry-After.
type faultTransport struct {
	mu     sync.Mutex
	n      int
	status string
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	inject := f.n > 0
	f.n--
	f.mu.Unlock()
	if inject {
		req = req.Clone(req.Context())
		req.Header.Set(serverimpl.FaultHeader, f.status)
		req.Header.Set(serverimpl.RetryAfterHeader, "2")
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestRetriesTheStubsOwnFaultAnswers(t *testing.T) {
	for _, status := range []string{"429", "500", "503"} {
		t.Run(status, func(t *testing.T) {
			s := startStub(t, serverimpl.Options{})
			c, sl := s.client(t, clientimpl.WithHTTPClient(&http.Client{Transport: &faultTransport{n: 2, status: status}}))
			if _, err := c.ConsumerApplicationKeyToken(context.Background(), consumer); err != nil {
				t.Fatal(err)
			}
			if n := s.count(pathConsumer); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if waits := sl.all(); len(waits) != 2 {
				t.Errorf("waits %v, want 2", waits)
			}
		})
	}
	t.Run("401 is not retried", func(t *testing.T) {
		s := startStub(t, serverimpl.Options{})
		c, sl := s.client(t, clientimpl.WithHTTPClient(&http.Client{Transport: &faultTransport{n: 1, status: "401"}}))
		tok, err := c.WebAPIKeyToken(context.Background(), webAPIKey)
		if !errors.Is(err, clientimpl.ErrInvalidKey) || tok.Value != "" {
			t.Fatalf("err %v, token %v; want ErrInvalidKey", err, tok)
		}
		if n := s.count(pathWebAPIKey); n != 1 || len(sl.all()) != 0 {
			t.Errorf("%d requests, waits %v; a 401 is not retried", n, sl.all())
		}
	})
}
