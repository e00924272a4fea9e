package clientimpl_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// newSource returns a TokenSource on the stub's clock; its client's retries do not wait.
func newSource(t testing.TB, s *stub, creds clientimpl.Credentials, opts ...clientimpl.SourceOption) *clientimpl.TokenSource {
	t.Helper()
	c, _ := s.client(t)
	src, err := clientimpl.NewTokenSource(c, creds, append([]clientimpl.SourceOption{clientimpl.WithClock(s.clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close(context.Background()) })
	return src
}

func mustToken(t testing.TB, src *clientimpl.TokenSource) clientimpl.Token {
	t.Helper()
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Key tokens: handed out from the cache; within RefreshAhead of the end, callers keep getting
// the current token while one background request gets the next one.
func TestTokenSourceRefreshesKeyTokensAhead(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey) // refresh ahead 5m, margin 30s; tokens live 2h
	tok1 := mustToken(t, src)

	s.clock.Advance(2*time.Hour - 6*time.Minute)
	if tok := mustToken(t, src); tok.Value != tok1.Value || s.tokenRequests() != 1 {
		t.Fatalf("before refresh-ahead: new token or %d requests", s.tokenRequests())
	}

	s.clock.Advance(2 * time.Minute) // 4 minutes left: stale
	arrived, release := s.hold()
	defer release()
	if tok := mustToken(t, src); tok.Value != tok1.Value {
		t.Fatal("a stale token was not handed out while the next one is fetched")
	}
	within(t, arrived, "the background request") // it reached the stub, and is held there
	for range 50 {
		if tok := mustToken(t, src); tok.Value != tok1.Value {
			t.Fatal("callers did not keep the still-valid token during the refresh")
		}
	}
	if n := s.tokenRequests(); n != 2 {
		t.Fatalf("%d token requests, want 2: one background refresh however many callers", n)
	}
	release()

	s.clock.Advance(3*time.Minute + 40*time.Second) // 20s left on tok1: no longer handed out
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value || s.tokenRequests() != 2 {
		t.Fatalf("after the refresh: same token or %d requests (want the refreshed token, 2 requests)", s.tokenRequests())
	}
	// The superseded token was left alone for requests still carrying it.
	if _, err := s.CheckToken(tok1.Value); err != nil {
		t.Errorf("the superseded token was ended early: %v", err)
	}
}

// A token that lives less than RefreshAhead is not refreshed the moment it arrives: the margins
// shrink with the lifetime (refresh at half, stop at nine tenths).
func TestTokenSourceShortLivedTokens(t *testing.T) {
	s := startStub(t, serverimpl.Options{KeyTokenLifetime: 2 * time.Minute})
	src := newSource(t, s, webAPIKey) // RefreshAhead 5m, ExpiryMargin 30s: both over the lifetime's share
	tok1 := mustToken(t, src)
	for range 10 {
		mustToken(t, src)
	}
	s.clock.Advance(59 * time.Second)
	if tok := mustToken(t, src); tok.Value != tok1.Value || s.tokenRequests() != 1 {
		t.Fatalf("%d requests within the first half of a 2-minute token, want 1", s.tokenRequests())
	}
	s.clock.Advance(50 * time.Second) // 11s left: under a tenth of the lifetime
	if tok := mustToken(t, src); tok.Value == tok1.Value {
		t.Fatal("a token with 11s of 120s left was handed out")
	}
}

// A token past its usable end is never handed out: the caller waits for a new one.
func TestTokenSourceReplacesExpiredToken(t *testing.T) {
	s := startStub(t, serverimpl.Options{KeyTokenLifetime: 10 * time.Minute})
	src := newSource(t, s, consumer)
	tok1 := mustToken(t, src)
	s.clock.Advance(10*time.Minute - time.Second) // past the margin (min(30s, 10m/10))
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value || s.tokenRequests() != 2 {
		t.Fatalf("expired token handed out, or %d requests", s.tokenRequests())
	}
	if _, err := s.CheckToken(tok2.Value); err != nil {
		t.Fatalf("the new token does not work: %v", err)
	}
}

// Login tokens die after idle time: every hand-out counts as use, so a token in regular use is
// kept past its exp claim, and one left idle is replaced.
func TestTokenSourceLoginTokenIdleTimeout(t *testing.T) {
	s := startStub(t, serverimpl.Options{LoginIdleTimeout: time.Hour})
	src := newSource(t, s, jdoe, clientimpl.WithIdleTimeout(time.Hour))
	tok1 := mustToken(t, src)
	if _, err := s.CheckToken(tok1.Value); err != nil { // the caller uses it
		t.Fatal(err)
	}
	for i := range 3 {
		s.clock.Advance(50 * time.Minute)
		tok := mustToken(t, src)
		if tok.Value != tok1.Value {
			t.Fatalf("hand-out %d: a token in use was replaced", i+2)
		}
		if _, err := s.CheckToken(tok.Value); err != nil { // still alive at the server, past exp
			t.Fatalf("hand-out %d: the stub refused the token the source kept: %v", i+2, err)
		}
	}
	if n := s.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests in 150 minutes of regular use, want 1", n)
	}

	s.clock.Advance(59*time.Minute + 40*time.Second) // idle for longer than 1h − 30s margin
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value || s.tokenRequests() != 2 {
		t.Fatalf("an idle token was handed out, or %d requests", s.tokenRequests())
	}
}

// 100 goroutines asking an empty source at once cause exactly one token request.
func TestTokenSourceOneRequestForManyCallers(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, jdoe)
	arrived, release := s.hold()
	defer release()

	const callers = 100
	var started, done sync.WaitGroup
	tokens := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			tok, err := src.Token(context.Background())
			tokens[i], errs[i] = tok.Value, err
		}()
	}
	started.Wait()
	within(t, arrived, "the token request")
	for range 100 { // let every caller reach Token while the one request is held
		runtime.Gosched()
	}
	release()
	done.Wait()
	for i := range callers {
		if errs[i] != nil || tokens[i] != tokens[0] || tokens[i] == "" {
			t.Fatalf("caller %d: got a token: %v, err %v; want everyone to share one token", i, tokens[i] != "", errs[i])
		}
	}
	if n := s.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests for %d concurrent callers, want 1", n, callers)
	}
}

// A caller that gives up does not cancel the shared request for the others.
func TestTokenSourceCallerCancelDoesNotCancelTheFetch(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey)
	arrived, release := s.hold()
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := src.Token(ctx)
		first <- err
	}()
	within(t, arrived, "the token request")
	cancel()
	if err := within(t, first, "the cancelled caller"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}

	second := make(chan clientimpl.Token, 1)
	go func() {
		tok, _ := src.Token(context.Background())
		second <- tok
	}()
	release()
	if tok := within(t, second, "the second caller"); tok.Value == "" {
		t.Fatal("the second caller got no token")
	}
	if n := s.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want the first caller's request to serve the second", n)
	}
	if s.sawCancel.Load() {
		t.Error("the shared request was cancelled at the server")
	}
}

// A failed background refresh keeps the still-valid token in hand, backs off, and tries again.
func TestTokenSourceBackgroundRefreshFailure(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	logged := make(logSignal, 10)
	src := newSource(t, s, webAPIKey, clientimpl.WithLogger(slog.New(logged)))
	tok1 := mustToken(t, src)

	s.clock.Advance(2*time.Hour - 4*time.Minute) // stale
	arrived := s.watch()
	s.failNext(clientimpl.DefaultRetryPolicy.MaxAttempts, http.StatusServiceUnavailable, "1")
	if tok := mustToken(t, src); tok.Value != tok1.Value {
		t.Fatal("stale token not handed out")
	}
	for range clientimpl.DefaultRetryPolicy.MaxAttempts {
		within(t, arrived, "an attempt of the background refresh") // every attempt fails
	}
	within(t, logged, "the failed refresh to be logged")
	for range 20 {
		if tok := mustToken(t, src); tok.Value != tok1.Value {
			t.Fatal("a failed refresh took the still-valid token away")
		}
	}
	if n := s.tokenRequests(); n != 1+clientimpl.DefaultRetryPolicy.MaxAttempts {
		t.Fatalf("%d token requests; no new refresh may start right after one failed", n)
	}

	s.clock.Advance(15 * time.Second) // past the wait after a failed refresh
	mustToken(t, src)
	within(t, arrived, "the second background refresh")
	s.clock.Advance(3*time.Minute + 30*time.Second) // tok1 no longer usable
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value || s.tokenRequests() != 2+clientimpl.DefaultRetryPolicy.MaxAttempts {
		t.Fatalf("after the second refresh: %d requests, new token %v", s.tokenRequests(), tok2.Value != tok1.Value)
	}
}

// With no usable token in hand, the refusal reaches the caller (and no zero token).
func TestTokenSourceReportsFailures(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	bad := jdoe
	bad.Password = "wrong"
	src := newSource(t, s, bad)
	tok, err := src.Token(context.Background())
	if !errors.Is(err, clientimpl.ErrInvalidCredentials) || tok != (clientimpl.Token{}) {
		t.Fatalf("tok %v, err %v; want ErrInvalidCredentials and no token", tok, err)
	}
	if s.tokenRequests() != 1 {
		t.Errorf("%d requests; a refusal is not retried", s.tokenRequests())
	}

	good := newSource(t, s, webAPIKey)
	mustToken(t, good)
	s.clock.Advance(2 * time.Hour)
	s.failNext(100, http.StatusServiceUnavailable, "1")
	if _, err := good.Token(context.Background()); !errors.Is(err, clientimpl.ErrServiceUnavailable) {
		t.Fatalf("expired token and an outage: err = %v, want ErrServiceUnavailable", err)
	}
}

func TestTokenSourceInvalidate(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey)
	tok1 := mustToken(t, src)
	src.Invalidate()
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value || s.tokenRequests() != 2 {
		t.Fatalf("Invalidate: same token or %d requests", s.tokenRequests())
	}
	if src.InvalidateToken(tok1.Value) {
		t.Error("InvalidateToken dropped the new token for the old one's refusal")
	}
	if tok := mustToken(t, src); tok.Value != tok2.Value || s.tokenRequests() != 2 {
		t.Fatal("the new token was dropped")
	}
	if !src.InvalidateToken(tok2.Value) {
		t.Error("InvalidateToken did not drop the current token")
	}
	if tok := mustToken(t, src); tok.Value == tok2.Value || s.tokenRequests() != 3 {
		t.Fatal("InvalidateToken: same token after")
	}
}

// Close releases what the source holds: the stub refuses those tokens afterwards.
func TestTokenSourceCloseReleases(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey)
	tok1 := mustToken(t, src)
	s.clock.Advance(2*time.Hour - 4*time.Minute) // stale: a refresh replaces tok1
	arrived := s.watch()
	mustToken(t, src)
	within(t, arrived, "the token request")
	s.clock.Advance(3*time.Minute + 40*time.Second)
	tok2 := mustToken(t, src)
	if tok2.Value == tok1.Value {
		t.Fatal("no refresh happened")
	}

	if err := src.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]clientimpl.Token{"current": tok2, "superseded": tok1} {
		_, err := s.CheckToken(tok.Value)
		var te *serverimpl.TokenError
		if !errors.As(err, &te) || te.Code != gen.ErrorCodeInvalidToken {
			t.Errorf("%s token after Close: %v, want INVALID_TOKEN (released)", name, err)
		}
	}
	if n := s.count(pathRelease); n != 2 {
		t.Errorf("%d release requests, want 2", n)
	}
	if _, err := src.Token(context.Background()); !errors.Is(err, clientimpl.ErrClosed) {
		t.Errorf("Token after Close: %v, want ErrClosed", err)
	}
	if err := src.Close(context.Background()); err != nil || s.count(pathRelease) != 2 {
		t.Errorf("second Close: %v, %d releases", err, s.count(pathRelease))
	}
}

func TestTokenSourceCloseReleasesLoginToken(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, jdoe)
	tok := mustToken(t, src)
	if err := src.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckToken(tok.Value); err == nil {
		t.Fatal("the stub still accepts the token after Close")
	}
}

// Close does not wait for a fetch the server is sitting on.
func TestTokenSourceCloseDuringFetch(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey)
	arrived, release := s.hold()
	defer release()
	got := make(chan error, 1)
	go func() {
		_, err := src.Token(context.Background())
		got <- err
	}()
	within(t, arrived, "the token request")
	if err := src.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := within(t, got, "the waiting caller"); err == nil {
		t.Fatal("the waiting caller got a token from a closed source")
	}
}

// The cache hit allocates nothing (issue 7's budget: no allocation, under 100 ns).
func TestTokenSourceCacheHitDoesNotAllocate(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	for name, creds := range map[string]clientimpl.Credentials{"web API key": webAPIKey, "login": jdoe} {
		src := newSource(t, s, creds)
		mustToken(t, src)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := src.Token(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per cache hit, want 0", name, allocs)
		}
	}
}

func BenchmarkTokenSourceCacheHit(b *testing.B) {
	s := startStub(b, serverimpl.Options{})
	for name, creds := range map[string]clientimpl.Credentials{"key": webAPIKey, "login": jdoe} {
		c, _ := s.client(b)
		// The system clock, as in production: time.Now is part of the cost.
		src, err := clientimpl.NewTokenSource(c, creds)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := src.Token(ctx); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := src.Token(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := src.Token(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		src.Close(ctx)
	}
}
