// Package loadgen drives an HTTP/1.1 server on loopback in a closed loop: a fixed number of
// workers, each owning one keep-alive connection with exactly one request in flight, for a
// fixed time or a fixed count, whichever ends first. It records every latency, so the
// percentiles it reports are exact rather than estimated.
//
// It talks raw HTTP/1.1 over net.Conn instead of using net/http's client on purpose: on a
// 2-core machine the load generator competes with the server it measures, and a writer of
// pre-built request bytes with a minimal response reader costs a fraction of a
// Transport round trip, so more of the machine goes to the server under test.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Source hands out the raw bytes of the next request for a worker. It returns false when it
// has no more (a pool of single-use tokens ran out), which ends that worker's loop. It is
// called from the worker's own goroutine, so per-worker state needs no locking.
type Source interface {
	Next(worker int) ([]byte, bool)
}

// Fixed is a Source that sends the same request every time.
type Fixed []byte

// Next returns the request.
func (f Fixed) Next(int) ([]byte, bool) { return f, true }

// Config says what to drive and for how long.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// Workers is the fixed concurrency: connections, each with one request in flight.
	Workers int
	// Duration bounds the measured run.
	Duration time.Duration
	// MaxRequests bounds the number of requests sent (0: only Duration bounds the run).
	MaxRequests int64
	// Source gives each request's bytes.
	Source Source
	// WantStatus is the HTTP status that counts as success (0 means 200); anything else,
	// and every transport failure, counts as an error.
	WantStatus int
}

// Run drives the server until Duration has passed, MaxRequests were sent, the Source ran out
// or ctx ends, and returns what it measured. It fails only when no connection can be made.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Workers < 1 {
		return nil, errors.New("loadgen: Workers must be at least 1")
	}
	if cfg.Duration <= 0 {
		return nil, errors.New("loadgen: Duration must be positive")
	}
	if cfg.WantStatus == 0 {
		cfg.WantStatus = 200
	}
	// A server that stops answering must not hold the run past its bound.
	deadline := time.Now().Add(cfg.Duration + 10*time.Second)
	conns := make([]*conn, cfg.Workers)
	for i := range conns {
		c, err := dial(cfg.Addr, deadline)
		if err != nil {
			for _, c := range conns[:i] {
				c.close()
			}
			return nil, fmt.Errorf("loadgen: connect to %s: %w", cfg.Addr, err)
		}
		conns[i] = c
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent atomic.Int64
	workers := make([]worker, cfg.Workers)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &workers[i]
		w.id, w.conn, w.cfg, w.sent, w.deadline = i, conns[i], &cfg, &sent, deadline
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, c := range conns {
		c.close()
	}
	return merge(workers, elapsed), nil
}

// worker is one closed loop: send, wait for the whole answer, record, repeat.
type worker struct {
	id        int
	conn      *conn
	cfg       *Config
	sent      *atomic.Int64
	deadline  time.Time
	latencies []time.Duration
	errors    int64
	firstErr  error
}

func (w *worker) loop(ctx context.Context) {
	w.latencies = make([]time.Duration, 0, 1<<14)
	for ctx.Err() == nil {
		if max := w.cfg.MaxRequests; max > 0 && w.sent.Add(1) > max {
			return
		}
		req, ok := w.cfg.Source.Next(w.id)
		if !ok {
			return
		}
		if w.conn.closed {
			// The server ended the connection (Connection: close, or after an error):
			// open a fresh one, as a client would.
			c, err := dial(w.cfg.Addr, w.deadline)
			if err != nil {
				w.fail(err)
				return
			}
			w.conn = c
		}
		begin := time.Now()
		status, err := w.conn.roundTrip(req)
		took := time.Since(begin)
		switch {
		case err != nil:
			w.fail(err)
			w.conn.close()
		case status != w.cfg.WantStatus:
			w.fail(fmt.Errorf("HTTP status %d, want %d", status, w.cfg.WantStatus))
		default:
			w.latencies = append(w.latencies, took)
		}
	}
}

func (w *worker) fail(err error) {
	w.errors++
	if w.firstErr == nil {
		w.firstErr = err
	}
}

func dial(addr string, deadline time.Time) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if err := nc.SetDeadline(deadline); err != nil {
		_ = nc.Close()
		return nil, err
	}
	return newConn(nc), nil
}
