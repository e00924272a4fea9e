package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// Defaults of Config's zero fields.
const (
	// DefaultMaxBodyBytes is the largest request body the gateway forwards (1 MiB, the token
	// rule's own bound for JSON bodies, httpstub.MaxTokenBodyBytes); beyond it, 413
	// PAYLOAD_TOO_LARGE.
	DefaultMaxBodyBytes          = httpstub.MaxTokenBodyBytes
	DefaultDialTimeout           = 5 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
	DefaultIdleConnTimeout       = 90 * time.Second
	DefaultMaxIdleConnsPerHost   = 64
)

// Config configures a Gateway. Only Upstream is needed.
type Config struct {
	// Upstream is the base URL of the upstream's methods, as an OpenAPI server URL: a request
	// for BasePath + "/contacts/list?token=…" goes to Upstream + "/contacts/list?token=…".
	// A Prism mock of a spec whose server is /crmapi/rest/v2 serves its paths at its root
	// (http://127.0.0.1:4010); a real CRM.COM is https://HOST/crmapi/rest/v2.
	Upstream *url.URL
	// MaxBodyBytes bounds a request body (0: DefaultMaxBodyBytes). A JSON body is also
	// bounded by the token rule's httpstub.MaxTokenBodyBytes, whichever is less.
	MaxBodyBytes int64
	// DialTimeout bounds connecting to the upstream (0: DefaultDialTimeout).
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the upstream's answer once the request is
	// sent (0: DefaultResponseHeaderTimeout); past it, 504 GATEWAY_TIMEOUT. A streamed answer's
	// body is not bounded by it, only by the server's WriteTimeout.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout is how long a kept-alive upstream connection waits for reuse (0:
	// DefaultIdleConnTimeout), MaxIdleConnsPerHost how many wait (0: DefaultMaxIdleConnsPerHost).
	IdleConnTimeout     time.Duration
	MaxIdleConnsPerHost int
	// Transport, when set, replaces the transport built from the fields above.
	Transport http.RoundTripper
	// Logger logs upstream failures (never a token or a query string); nil: discard.
	Logger *slog.Logger
}

// Gateway is the reverse proxy to the upstream, as a httpstub.Extension answering every
// request under httpstub.BasePath that is not one of the four methods.
type Gateway struct {
	upstream  *url.URL
	maxBody   int64
	transport http.RoundTripper
	logger    *slog.Logger
	proxy     *httputil.ReverseProxy
}

var _ httpstub.Extension = (*Gateway)(nil)

// New checks c and builds the gateway.
func New(c Config) (*Gateway, error) {
	u := c.Upstream
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("gateway: the upstream must be an absolute http or https URL, like http://127.0.0.1:4010")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, errors.New("gateway: the upstream URL takes no query, fragment or user information")
	}
	if c.MaxBodyBytes < 0 || c.DialTimeout < 0 || c.ResponseHeaderTimeout < 0 || c.IdleConnTimeout < 0 || c.MaxIdleConnsPerHost < 0 {
		return nil, errors.New("gateway: limits and time-outs must not be negative")
	}
	g := &Gateway{
		upstream:  &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimSuffix(u.Path, "/")},
		maxBody:   orDefault(c.MaxBodyBytes, DefaultMaxBodyBytes),
		transport: c.Transport,
		logger:    c.Logger,
	}
	if g.logger == nil {
		g.logger = slog.New(slog.DiscardHandler)
	}
	if g.transport == nil {
		g.transport = newTransport(c)
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite:        g.rewrite,
		Transport:      g.transport,
		ModifyResponse: g.upstreamAnswered,
		ErrorHandler:   g.upstreamFailed,
		// Without a pool, each proxied answer's body is copied through a new 32 KiB buffer.
		BufferPool: copyBuffers{},
		// FlushInterval 0: Go's own choice, which flushes at once what the upstream sends for
		// a streamed answer (no Content-Length, or text/event-stream) and buffers the rest.
	}
	return g, nil
}

// newTransport is http.DefaultTransport's settings with every wait bounded, connections kept
// for reuse, and no proxy from the environment: the upstream is addressed directly.
func newTransport(c Config) *http.Transport {
	dialer := &net.Dialer{Timeout: orDefault(c.DialTimeout, DefaultDialTimeout), KeepAlive: 30 * time.Second}
	perHost := orDefault(c.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	return &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, perHost),
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       orDefault(c.IdleConnTimeout, DefaultIdleConnTimeout),
		TLSHandshakeTimeout:   orDefault(c.DialTimeout, DefaultDialTimeout),
		ResponseHeaderTimeout: orDefault(c.ResponseHeaderTimeout, DefaultResponseHeaderTimeout),
		ExpectContinueTimeout: time.Second,
	}
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Extend answers the other methods: the request's limits, then the token rule, then the proxy.
func (g *Gateway) Extend(s *httpstub.Stack) (http.Handler, error) {
	guarded := s.RequireTokenHandler(g.proxy)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hasDotSegment(r.URL.Path) {
			writeError(w, r, http.StatusBadRequest, gen.ErrorCodeInvalidRequest, "the path has a . or .. segment")
			return
		}
		if r.ContentLength > g.maxBody {
			writeError(w, r, http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge, fmt.Sprintf("request body is over %d bytes", g.maxBody))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, g.maxBody)
		}
		guarded.ServeHTTP(w, r)
	}), nil
}

// copyBufferSize is the size of the buffers ReverseProxy copies answers through (its own).
const copyBufferSize = 32 << 10

var copyBufferPool = sync.Pool{New: func() any { return new([copyBufferSize]byte) }}

// copyBuffers is the proxy's httputil.BufferPool: its buffers are kept as array pointers, so
// that putting one back allocates nothing (a slice would be boxed).
type copyBuffers struct{}

func (copyBuffers) Get() []byte { return copyBufferPool.Get().(*[copyBufferSize]byte)[:] }

func (copyBuffers) Put(b []byte) {
	if cap(b) >= copyBufferSize {
		copyBufferPool.Put((*[copyBufferSize]byte)(b[:copyBufferSize]))
	}
}

// CloseIdleConnections closes the upstream connections kept for reuse.
func (g *Gateway) CloseIdleConnections() {
	if t, ok := g.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// rewrite runs once the hop-by-hop headers are gone (so a client's "Connection:
// X-Crmauth-User" cannot strip what is set here): the path below the base path and the query
// go to the upstream, the client's identity headers are dropped and the token's are set.
func (g *Gateway) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, httpstub.BasePath)
	pr.Out.URL.RawPath = strings.TrimPrefix(pr.In.URL.RawPath, httpstub.BasePath)
	pr.SetURL(g.upstream)
	dropIdentity(pr.Out.Header)
	if info, ok := httpstub.TokenInfoFrom(pr.In.Context()); ok {
		setIdentity(pr.Out.Header, info)
	}
}

// upstreamAnswered notes in the journal which upstream answered, and drops its CORS headers.
func (g *Gateway) upstreamAnswered(resp *http.Response) error {
	journal.NoteUpstream(resp.Request.Context(), g.upstream.Host)
	return dropUpstreamCORS(resp)
}

// dropUpstreamCORS removes the upstream's CORS headers (Prism sends its own by default): the
// stub's CORS answers for the proxied call, and two Access-Control-Allow-Origin values would
// make the browser refuse it.
func dropUpstreamCORS(resp *http.Response) error {
	for k := range resp.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), "Access-Control-") {
			delete(resp.Header, k)
		}
	}
	return nil
}

// upstreamFailed answers a failed upstream call in the envelope: 504 when it took too long,
// 413 when the body went over the limit while being sent, 502 otherwise. The message names
// the upstream's host, never the request's query (a token travels there).
func (g *Gateway) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, r, http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge, fmt.Sprintf("request body is over %d bytes", tooLarge.Limit))
		return
	case r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		writeError(w, r, http.StatusBadGateway, CodeBadGateway, "the request was cancelled")
		return
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		g.logger.Warn("gateway: upstream timed out", "upstream", g.upstream.Host, "path", r.URL.Path)
		writeError(w, r, http.StatusGatewayTimeout, CodeGatewayTimeout, fmt.Sprintf("upstream %s did not answer in time", g.upstream.Host))
		return
	}
	reason := "failed"
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		reason = "could not be reached"
	}
	g.logger.Warn("gateway: upstream failed", "upstream", g.upstream.Host, "path", r.URL.Path, "reason", reason)
	writeError(w, r, http.StatusBadGateway, CodeBadGateway, fmt.Sprintf("upstream %s %s", g.upstream.Host, reason))
}

// hasDotSegment reports a "." or ".." path segment, which an upstream would resolve to a path
// outside the one the token was checked for.
func hasDotSegment(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
