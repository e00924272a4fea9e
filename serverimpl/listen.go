package serverimpl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Bounds of the HTTP server behind Start and Listen. A request past MaxHeaderBytes (its line
// and headers) is answered 431 by net/http itself, before the stub sees it.
const (
	MaxHeaderBytes    = 64 << 10
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	// WriteTimeout is longer than the largest injected latency, so a slowed answer still arrives.
	WriteTimeout = maxInjectedLatency + 30*time.Second
)

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
	url := "http://" + ln.Addr().String()
	s := &Server{
		URL:     url,
		BaseURL: url + BasePath,
		Stub:    stub,
		http: &http.Server{
			Handler:           stub,
			MaxHeaderBytes:    MaxHeaderBytes,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
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
