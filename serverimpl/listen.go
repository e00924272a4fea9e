package serverimpl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/crmcom-community/crmauth/internal/redact"
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
	limits := opts.HTTP.WithDefaults()
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

// Format keeps fmt from printing the stub's fields (its options hold the signing secret and
// the fixtures) as they are: unexported fields skip their own Format methods.
func (s *Stub) Format(f fmt.State, r rune) { redact.Format(f, r, "serverimpl.Stub") }

// Format prints the server by its URL; see Stub.Format.
func (s *Server) Format(f fmt.State, r rune) {
	redact.Format(f, r, "serverimpl.Server{URL: "+strconv.Quote(s.URL)+"}")
}
