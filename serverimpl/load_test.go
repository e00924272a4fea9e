package serverimpl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// loadDuration is how long TestLoad runs: 10 s, 2 s with -short, or $CRMAUTH_LOAD_DURATION.
func loadDuration(t *testing.T) time.Duration {
	if v := os.Getenv("CRMAUTH_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("$CRMAUTH_LOAD_DURATION: %v", err)
		}
		return d
	}
	if testing.Short() {
		return 2 * time.Second
	}
	return 10 * time.Second
}

const loadClients = 64

// loadClient sends the stub's methods on loopback and checks each answer's status and code.
type loadClient struct {
	http     *http.Client
	base     string
	requests atomic.Int64
}

type loadAnswer struct {
	Data   struct{ Token string } `json:"data"`
	Status struct{ Code string }  `json:"status"`
}

// call posts body to path and returns the decoded envelope, or why the answer was not the
// one wanted (a transport error, another status or status.code).
func (c *loadClient) call(path, authorization, body string, wantStatus int, wantCode string) (loadAnswer, error) {
	c.requests.Add(1)
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return loadAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return loadAnswer{}, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return loadAnswer{}, err
	}
	var a loadAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("%s: %d answer is not the envelope: %q", path, resp.StatusCode, data)
	}
	if resp.StatusCode != wantStatus || a.Status.Code != wantCode {
		return a, fmt.Errorf("%s: got %d %s, want %d %s: %s", path, resp.StatusCode, a.Status.Code, wantStatus, wantCode, data)
	}
	return a, nil
}

// loadIssue is one of the ways of getting a token, taken in turn by the clients.
var loadIssues = []struct{ path, authorization, body string }{
	{opLogin, "", validLogin},
	{opLogin, "", loginWith("unit", `"2"`)},
	{opWebKey, vendorKeyBasic, "{}"},
	{opWebKey, vendorKeyBasic, ""},
	{opConsumer, vendorKeyBasic, consumerBody},
	{opConsumer, vendorKeyBasic, `{"access_token_identifier":{"identifier":"maytemplate-card-0001","pass_code":"4321"}}`},
}

// TestLoad runs 64 clients against a stub on loopback for a bounded time, each in a loop: get
// a token (the four ways in turn), check it, release it, release it again (refused), and now
// and then send a malformed request (refused with 400). Every eighth token is kept and
// released after the load. Nothing may fail, every token releases exactly once, and once the
// server is shut down no goroutine it started is left.
func TestLoad(t *testing.T) {
	before := runtime.NumGoroutine()
	clock := serverimpl.NewSettableClock(epoch)
	srv, err := serverimpl.Start(serverimpl.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: loadClients, MaxConnsPerHost: loadClients}
	c := &loadClient{http: &http.Client{Transport: transport, Timeout: 30 * time.Second}, base: srv.BaseURL}

	duration := loadDuration(t)
	deadline := time.Now().Add(duration)
	var (
		failures atomic.Int64
		firstErr sync.Once
		kept     = make([][]string, loadClients)
		issued   atomic.Int64
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.Do(func() { t.Errorf("first failure: %v", err) })
	}
	for w := range loadClients {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i++ {
				way := loadIssues[i%len(loadIssues)]
				a, err := c.call(way.path, way.authorization, way.body, http.StatusOK, "OK")
				if err != nil {
					fail(err)
					continue
				}
				issued.Add(1)
				if _, err := srv.CheckToken(a.Data.Token); err != nil {
					fail(fmt.Errorf("a token just issued is refused: %v", err))
				}
				if i%8 == 0 {
					kept[w] = append(kept[w], a.Data.Token)
					continue
				}
				release := `{"token":"` + a.Data.Token + `"}`
				if _, err := c.call(opRelease, "", release, http.StatusOK, "OK"); err != nil {
					fail(err)
				}
				if _, err := c.call(opRelease, "", release, http.StatusUnauthorized, string(gen.ErrorCodeInvalidToken)); err != nil {
					fail(fmt.Errorf("second release: %w", err))
				}
				if i%16 == 1 {
					if _, err := c.call(opLogin, "", validLogin[:len(validLogin)-1], http.StatusBadRequest, string(gen.ErrorCodeInvalidRequest)); err != nil {
						fail(err)
					}
				}
			}
		})
	}
	wg.Wait()

	// The kept tokens outlived the load: each releases once, then never again.
	keptCount := 0
	for _, tokens := range kept {
		for _, token := range tokens {
			keptCount++
			release := `{"token":"` + token + `"}`
			if _, err := c.call(opRelease, "", release, http.StatusOK, "OK"); err != nil {
				fail(fmt.Errorf("kept token: %w", err))
			}
			if _, err := c.call(opRelease, "", release, http.StatusUnauthorized, string(gen.ErrorCodeInvalidToken)); err != nil {
				fail(fmt.Errorf("kept token, second release: %w", err))
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	transport.CloseIdleConnections()

	n := c.requests.Load()
	t.Logf("load: %d clients, %v, %d requests (%.0f/s), %d tokens issued (%d kept until the end), %d failed",
		loadClients, duration, n, float64(n)/duration.Seconds(), issued.Load(), keptCount, failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failures.Load(), n)
	}
	if issued.Load() < loadClients {
		t.Fatalf("only %d tokens issued", issued.Load())
	}
	waitForGoroutines(t, before)
}

// waitForGoroutines waits (polling, up to 10 s) until no more goroutines run than before,
// give or take two that the runtime and testing may start; then it reports the leak.
func waitForGoroutines(t *testing.T, before int) {
	t.Helper()
	const slack = 2
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+slack {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d before, %d after shutdown:\n%s", before, runtime.NumGoroutine(), buf)
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
}
