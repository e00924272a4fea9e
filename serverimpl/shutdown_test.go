package serverimpl_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// gateHeader marks the requests the test holds inside the stub until it opens the gate.
const gateHeader = "X-Test-Gate"

// TestGracefulShutdownUnderLoad shuts the server down while clients keep sending logins and
// eight logins are held inside the stub: the held ones complete with their tokens, Shutdown
// waits for them, and from the moment shutdown starts no new connection is accepted.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := serverimpl.Start(serverimpl.Options{Clock: serverimpl.NewSettableClock(epoch)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	const held = 8
	entered := make(chan struct{}, held)
	gate := make(chan struct{})
	srv.Echo().Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Header.Get(gateHeader) != "" {
				entered <- struct{}{}
				<-gate
			}
			return next(c)
		}
	})

	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &loadClient{http: &http.Client{Transport: transport, Timeout: 30 * time.Second}, base: srv.BaseURL}

	// The held logins.
	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, held)
	for range held {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, srv.BaseURL+opLogin, strings.NewReader(validLogin))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(gateHeader, "1")
			resp, err := transport.RoundTrip(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode, body: string(body), err: err}
		}()
	}
	for range held {
		<-entered
	}

	// The load: logins until the server stops answering. Before shutdown starts none may fail.
	var (
		shuttingDown atomic.Bool
		okBefore     atomic.Int64
		wg           sync.WaitGroup
		stop         = make(chan struct{})
	)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := client.call(opLogin, "", validLogin, http.StatusOK, "OK")
				switch {
				case err == nil && !shuttingDown.Load():
					okBefore.Add(1)
				case err != nil && !shuttingDown.Load():
					t.Errorf("a request failed before shutdown: %v", err)
				}
			}
		})
	}
	for okBefore.Load() < 100 {
		time.Sleep(time.Millisecond) // until the load is flowing
	}

	shuttingDown.Store(true)
	shutdownDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shutdownDone <- srv.Shutdown(ctx)
	}()

	// New connections are refused once shutdown has begun (the listener closes first).
	addr := strings.TrimPrefix(srv.URL, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 5 s after shutdown began")
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()

	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) while requests were still in flight", err)
	default:
	}

	close(gate)
	for range held {
		r := <-results
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"token":"`) {
			t.Fatalf("a login in flight at shutdown did not complete: %d %v %s", r.status, r.err, r.body)
		}
	}
	if err := <-shutdownDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	_, err = http.Post(srv.BaseURL+opLogin, "application/json", strings.NewReader(validLogin))
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("a request after shutdown: %v, want a refused connection", err)
	}
	t.Logf("%d logins answered before shutdown, %d completed in flight", okBefore.Load(), held)
	transport.CloseIdleConnections()
	waitForGoroutines(t, before)
}
