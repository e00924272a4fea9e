package serverimpl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Bounds of the HTTP server behind Start and Listen (Options.HTTP overrides them). A request
// past MaxHeaderBytes (its line and headers) is answered 431 by net/http itself, before the
// stub sees it; a connection past a timeout is closed.
const (
	MaxHeaderBytes    = 64 << 10
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	// WriteTimeout is longer than the largest injected latency, so a slowed answer still arrives.
	WriteTimeout = maxInjectedLatency + 30*time.Second
)

// HTTPLimits bound the connections of the server Start and Listen run; zero fields take the
// package's defaults (MaxHeaderBytes, ReadHeaderTimeout, ...).
type HTTPLimits struct {
	MaxHeaderBytes    int
	ReadHeaderTimeout time.Duration // to read a request's line and headers
	ReadTimeout       time.Duration // to read a whole request, body included
	WriteTimeout      time.Duration // from the end of the request's headers to the end of the answer
	IdleTimeout       time.Duration // a kept-alive connection waiting for its next request
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	orDefault := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = MaxHeaderBytes
	}
	orDefault(&l.ReadHeaderTimeout, ReadHeaderTimeout)
	orDefault(&l.ReadTimeout, ReadTimeout)
	orDefault(&l.WriteTimeout, WriteTimeout)
	orDefault(&l.IdleTimeout, IdleTimeout)
	return l
}

// Server is the stub serving on a real address, the way httptest.NewServer serves a handler.
// Its Stub methods (CheckToken, Clock, Echo, ...) are promoted.
type Server struct {
	URL     string // http://127.0.0.1:PORT
	BaseURL string // URL + BasePath: the server URL for gen.NewClientWithResponses
	*Stub

	http *http.Server
	done chan error
}

// Start serves the stub on a free 127.0.0.1 port. Close it when done.
func Start(opts Options) (*Server, error) { return Listen("127.0.0.1:0", opts) }

// Listen serves the stub on addr ("localhost:8080", ":0", ...).
func Listen(addr string, opts Options) (*Server, error) {
	stub, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	limits := opts.HTTP.withDefaults()
	url := "http://" + ln.Addr().String()
	s := &Server{
		URL:     url,
		BaseURL: url + BasePath,
		Stub:    stub,
		http: &http.Server{
			Handler:           stub,
			MaxHeaderBytes:    limits.MaxHeaderBytes,
			ReadHeaderTimeout: limits.ReadHeaderTimeout,
			ReadTimeout:       limits.ReadTimeout,
			WriteTimeout:      limits.WriteTimeout,
			IdleTimeout:       limits.IdleTimeout,
		},
		done: make(chan error, 1),
	}
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
		close(s.done)
	}()
	return s, nil
}

// Wait blocks until the server stops serving; nil after Close or Shutdown.
func (s *Server) Wait() error { return <-s.done }

// Shutdown stops accepting connections and waits for requests in flight, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// Close stops the server at once, dropping requests in flight.
func (s *Server) Close() {
	_ = s.http.Close()
}
