package clientimpl_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// The default fixtures' credentials (serverimpl's embedded fixtures_default.yaml).
var (
	jdoe = clientimpl.Login{Username: "jdoe", Password: "s3cret-Passw0rd", Organisation: "ps_dev"}
	// The vendor's documented Web API key, also a consumer application key.
	webAPIKey = clientimpl.WebAPIKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192"}
	consumer  = clientimpl.ConsumerApplicationKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192",
		AccessTokenIdentifier: clientimpl.AccessTokenIdentifier{AuthenticationCode: "p_kestora1!"}, Unit: "1"}
)

// epoch is where every test's clock starts.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// stub is the real serverimpl stub, in-process, behind a wrapper that counts the requests it
// gets per path and can hold them back or fail them (a fault injector around the real stub;
// the stub's answers themselves are never faked).
type stub struct {
	URL              string
	clock            *serverimpl.SettableClock
	*serverimpl.Stub // CheckToken, RequireToken, Echo

	mu     sync.Mutex
	counts map[string]int
	// gate, when set, holds every token request until it is closed.
	gate chan struct{}
	// arrived receives the path of each request as it arrives, when set.
	arrived chan string
	// fail answers the next failN requests itself with failStatus, without the stub.
	failN      int
	failStatus int
	failRetry  string
	// drop closes the connection of the next dropN requests without answering.
	dropN int
	// sawCancel is set when a request's context ended before the stub answered it.
	sawCancel atomic.Bool
}

func startStub(t testing.TB, opts serverimpl.Options) *stub {
	t.Helper()
	s := &stub{clock: serverimpl.NewSettableClock(epoch), counts: map[string]int{}}
	if opts.Clock == nil {
		opts.Clock = s.clock
	}
	h, err := serverimpl.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Stub = h
	srv := httptest.NewServer(s.wrap(h))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *stub) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		gate, arrived := s.gate, s.arrived
		fail, drop := s.failN > 0, s.dropN > 0
		if fail {
			s.failN--
		} else if drop {
			s.dropN--
		}
		status, retry := s.failStatus, s.failRetry
		s.mu.Unlock()

		if arrived != nil {
			arrived <- r.URL.Path
		}
		if gate != nil {
			<-gate
		}
		switch {
		case fail:
			if retry != "" {
				w.Header().Set("Retry-After", retry)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			code := gen.ErrorCodeInternalError
			if status == http.StatusServiceUnavailable {
				code = gen.ErrorCodeServiceUnavailable
			} else if status == http.StatusTooManyRequests {
				code = gen.ErrorCodeTooManyRequests
			}
			w.Write([]byte(`{"data":null,"status":{"code":"` + string(code) + `","description":"injected","message":"injected fault ` + strconv.Itoa(status) + `"}}`))
			return
		case drop:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		next.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			s.sawCancel.Store(true)
		}
	})
}

// count is how many requests reached path (fault-injected ones included).
func (s *stub) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// tokenRequests is how many requests asked for a token, by any of the three methods.
func (s *stub) tokenRequests() int {
	return s.count(pathLogin) + s.count(pathWebAPIKey) + s.count(pathConsumer)
}

func (s *stub) failNext(n, status int, retryAfter string) {
	s.mu.Lock()
	s.failN, s.failStatus, s.failRetry = n, status, retryAfter
	s.mu.Unlock()
}

func (s *stub) dropNext(n int) {
	s.mu.Lock()
	s.dropN = n
	s.mu.Unlock()
}

// hold makes token requests wait until the returned func is called; arrivals are reported on
// the returned channel.
func (s *stub) hold() (arrived <-chan string, release func()) {
	gate, ch := make(chan struct{}), make(chan string, 1000)
	s.mu.Lock()
	s.gate, s.arrived = gate, ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			s.gate, s.arrived = nil, nil
			s.mu.Unlock()
			close(gate)
		})
	}
}

// watch reports the path of every request as it arrives, without holding it.
func (s *stub) watch() <-chan string {
	ch := make(chan string, 1000)
	s.mu.Lock()
	s.arrived = ch
	s.mu.Unlock()
	return ch
}

const (
	pathLogin     = "/crmapi/rest/v2/authentication/token"
	pathRelease   = "/crmapi/rest/v2/authentication/token/release"
	pathWebAPIKey = "/crmapi/rest/v2/authentication/web_api_key/token"
	pathConsumer  = "/crmapi/rest/v2/authentication/consumer_application_key/token"
)

// within fails the test when ch delivers nothing for 10 s: a hang becomes a clear failure
// rather than the test binary's timeout. Nothing waits that long when the code works.
func within[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("waited 10s for %s", what)
		panic("unreachable")
	}
}

// logSignal is a slog.Handler that reports each record's message on a channel: tests use a
// TokenSource's log lines as the moment a background fetch has finished.
type logSignal chan string

func (l logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (l logSignal) Handle(_ context.Context, r slog.Record) error {
	l <- r.Message
	return nil
}
func (l logSignal) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l logSignal) WithGroup(string) slog.Handler      { return l }

// sleeps records the waits between retries instead of waiting them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// client returns a Client for the stub whose retries do not really wait.
func (s *stub) client(t testing.TB, opts ...clientimpl.ClientOption) (*clientimpl.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	opts = append([]clientimpl.ClientOption{clientimpl.WithRetryPolicy(clientimpl.RetryPolicy{Sleep: sl.sleep})}, opts...)
	c, err := clientimpl.New(s.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}
