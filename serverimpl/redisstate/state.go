package redisstate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds every Redis operation (its context's deadline: dial, write, waiting
// for the reply; the client retries nothing): past it the stub answers 503.
const DefaultTimeout = 500 * time.Millisecond

// DefaultPrefix starts every key the stub writes.
const DefaultPrefix = "crmauth:"

// Config says which Redis to use.
type Config struct {
	// URL is the Redis to use, in rueidis's forms:
	//   redis://[user:password@]host:port[/db]        a single node
	//   rediss://…                                     the same over TLS
	//   unix:///path/to/redis.sock[?db=N]              a Unix socket
	//   redis://host1:port?addr=host2:port&addr=…      Cluster: several addresses, or one
	//                                                  address of a Cluster node (found out
	//                                                  by asking it)
	//   redis://sentinel1:26379?addr=sentinel2:26379&master_set=NAME   Sentinel (the
	//                                                  sentinels; master_name works too)
	// with rueidis's other query parameters (dial_timeout, write_timeout, skip_verify, …);
	// time-outs given there are replaced by Timeout.
	URL string
	// Cluster requires the Redis to be a Cluster: Open fails otherwise. (A Cluster is found
	// out by itself; this guards against a URL that names a single node by mistake.)
	Cluster bool
	// Prefix starts every key; "" is DefaultPrefix. Stubs that share state use the same one.
	Prefix string
	// Timeout bounds each operation; 0 is DefaultTimeout.
	Timeout time.Duration
	// ClockRefresh is how often the replica's copy of the admin clock's offset is read again,
	// besides a notification of each move; 0 is DefaultClockRefresh. Decisions do not wait
	// for it: they read the offset in Redis (see Offset).
	ClockRefresh time.Duration
	// Logger gets one line when Redis stops answering and one when it answers again; nil:
	// slog.Default().
	Logger *slog.Logger
}

// State is a connection to Redis and the stub's state kept there. Close it after the stub
// has stopped serving.
type State struct {
	b       backend
	prefix  string
	timeout time.Duration
	refresh time.Duration
	logger  *slog.Logger
	down    atomic.Bool // the last operation failed; reported once per outage
	offset  *Offset     // the shared clock offset, once Offset was called

	stop context.CancelFunc // ends the clock's goroutines
	done chan struct{}
}

// Open builds the client, which connects at once, and checks Redis answers (PING on every
// node), so a mistyped URL or a Redis that is down fails at start instead of at the first
// request.
func Open(ctx context.Context, cfg Config) (*State, error) {
	if cfg.URL == "" {
		return nil, errors.New("redisstate: no Redis URL")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ClockRefresh <= 0 {
		cfg.ClockRefresh = DefaultClockRefresh
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g, err := dialRueidis(cfg.URL, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if cfg.Cluster && !g.cluster() {
		_ = g.close()
		return nil, errors.New("redisstate: Cluster required, but the Redis at the URL is not a Cluster")
	}
	g.load(allScripts...)
	s := &State{b: g, prefix: cfg.Prefix, timeout: cfg.Timeout, refresh: cfg.ClockRefresh, logger: cfg.Logger}
	if err := s.Health(ctx); err != nil {
		_ = g.close()
		return nil, err
	}
	return s, nil
}

// Close ends the clock's goroutines and closes every connection.
func (s *State) Close() error {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	return s.b.close()
}

// Health asks every master for a PING: nil when Redis answers within the time-out.
func (s *State) Health(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.observe(s.b.ping(ctx))
}

// bound gives one operation its time-out.
func (s *State) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// observe notes whether Redis answered, logging the change (not every failed request), and
// returns err as an Unavailable error.
func (s *State) observe(err error) error {
	if err == nil {
		if s.down.Load() && s.down.CompareAndSwap(true, false) {
			s.logger.Info("redis answers again: shared state available")
		}
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err // the caller gave up; says nothing about Redis
	}
	if !s.down.Load() && s.down.CompareAndSwap(false, true) {
		s.logger.Error("redis does not answer: requests get 503 until it does", "error", err.Error())
	}
	return &UnavailableError{Err: err}
}

// recording reports whether the request journal and the answer counters are written: not
// while Redis does not answer. They are written after the answer is made, on the request's
// time: trying them during an outage would make every request wait up to three time-outs
// (its own operation, the journal, the coverage) instead of one, and log a line each. The
// requests answered meanwhile are missing from them. The next operation that succeeds
// (a request's, /healthz's, the clock's refresh) turns them on again.
func (s *State) recording() bool { return !s.down.Load() }

// UnavailableError is every failure to ask Redis: the stub answers it with 503.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "redis unavailable: " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// Describe is rawURL fit for a log line: scheme, host and path, without user, password or
// query (which may hold a password too).
func Describe(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	d := u.Scheme + "://" + u.Host + u.Path
	if q := u.Query(); q.Has("master_set") || q.Has("master_name") {
		d += " (Sentinel)"
	} else if q.Has("addr") {
		d += fmt.Sprintf(" (Cluster, %d addresses)", 1+len(q["addr"]))
	}
	return d
}
