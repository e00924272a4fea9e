package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func request(path string) []byte {
	return []byte("POST " + path + " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
}

// server answers by path: /ok 200 with a length-framed body, /chunked 200 in chunks,
// /close 200 then closes the connection, /teapot 418.
func server(t *testing.T, served *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		switch r.URL.Path {
		case "/chunked":
			for i := range 3 {
				fmt.Fprintf(w, `{"part":%d}`, i)
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, `{}`)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			fmt.Fprint(w, `{"data":{"token":"x"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestRunCountsEveryAnswerAndStopsAtMaxRequests(t *testing.T) {
	for _, path := range []string{"/ok", "/chunked", "/close"} {
		t.Run(path, func(t *testing.T) {
			var served atomic.Int64
			addr := server(t, &served)
			res, err := Run(context.Background(), Config{
				Addr: addr, Workers: 4, Duration: time.Minute, MaxRequests: 200, Source: Fixed(request(path)),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 {
				t.Fatalf("%d errors, first: %v", res.Errors, res.FirstError)
			}
			if res.Requests != 200 || served.Load() != 200 {
				t.Fatalf("requests %d, served %d; want 200 each", res.Requests, served.Load())
			}
			if res.Percentile(0.5) <= 0 || res.Percentile(0.99) < res.Percentile(0.5) {
				t.Fatalf("p50 %v, p99 %v", res.Percentile(0.5), res.Percentile(0.99))
			}
		})
	}
}

func TestRunCountsUnexpectedStatusAsError(t *testing.T) {
	var served atomic.Int64
	addr := server(t, &served)
	res, err := Run(context.Background(), Config{
		Addr: addr, Workers: 2, Duration: time.Minute, MaxRequests: 10, Source: Fixed(request("/teapot")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors != 10 || res.FirstError == nil {
		t.Fatalf("requests %d errors %d first %v; want 0, 10, an error", res.Requests, res.Errors, res.FirstError)
	}
}

// pool hands out a fixed number of requests in total, like pre-issued single-use tokens.
type pool struct{ left atomic.Int64 }

func (p *pool) Next(int) ([]byte, bool) {
	if p.left.Add(-1) < 0 {
		return nil, false
	}
	return request("/ok"), true
}

func TestRunEndsWhenTheSourceRunsOut(t *testing.T) {
	var served atomic.Int64
	addr := server(t, &served)
	p := &pool{}
	p.left.Store(37)
	res, err := Run(context.Background(), Config{Addr: addr, Workers: 3, Duration: time.Minute, Source: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 37 || res.Errors != 0 {
		t.Fatalf("requests %d errors %d; want 37, 0", res.Requests, res.Errors)
	}
}

func TestRunFailsWhenNothingListens(t *testing.T) {
	if _, err := Run(context.Background(), Config{Addr: "127.0.0.1:1", Workers: 1, Duration: time.Second, Source: Fixed(nil)}); err == nil {
		t.Fatal("want an error")
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	r := &Result{}
	for i := 1; i <= 100; i++ {
		r.sorted = append(r.sorted, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0.001: 1} {
		if got := r.Percentile(p); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
	if (&Result{}).Percentile(0.5) != 0 {
		t.Error("empty result must give 0")
	}
}

func TestMergeAddsCountsAndPoolsLatencies(t *testing.T) {
	a := &Result{Requests: 2, Errors: 1, Elapsed: time.Second, sorted: []time.Duration{1, 3}}
	b := &Result{Requests: 2, Elapsed: time.Second, sorted: []time.Duration{2, 4}}
	m := Merge(a, b)
	if m.Requests != 4 || m.Errors != 1 || m.Elapsed != 2*time.Second || m.Rate() != 2 {
		t.Fatalf("merged %+v", m)
	}
	if m.Percentile(0.5) != 2 || m.Percentile(1) != 4 {
		t.Fatalf("p50 %v p100 %v; want 2, 4", m.Percentile(0.5), m.Percentile(1))
	}
}
