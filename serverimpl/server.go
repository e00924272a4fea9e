package serverimpl

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// Stub is the whole stub as an http.Handler. Build it with New (or NewHandler).
type Stub struct {
	opts      Options // with every default filled in
	authority *authority.Authority
	http      *httpstub.Stack
	admin     *admin.Admin
	logger    *slog.Logger

	fixturesGiven bool // Options.Fixtures was set (Reset keeps them)
}

// NewHandler returns the whole stub as a net/http handler.
func NewHandler(opts Options) (http.Handler, error) {
	return New(opts)
}

// New builds the stub from its parts: the options with their defaults, the authority (the
// four methods below HTTP), the administration, the HTTP stack, and the extensions.
func New(opts Options) (*Stub, error) {
	s := &Stub{fixturesGiven: opts.Fixtures != nil}
	var err error
	if s.opts, err = opts.WithDefaults(); err != nil {
		return nil, err
	}
	opts = s.opts
	s.logger = opts.Logger
	if s.authority, err = authority.New(authorityConfig(opts)); err != nil {
		return nil, err
	}
	spec, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("serverimpl: embedded spec: %w", err)
	}
	if s.admin, err = s.newAdmin(spec); err != nil {
		return nil, err
	}
	if s.http, err = httpstub.New(s.httpConfig(spec)); err != nil {
		return nil, err
	}
	if err := s.http.Extend(s.extensions()); err != nil {
		return nil, err
	}
	return s, nil
}

// authorityConfig is the authority's part of the options.
func authorityConfig(opts Options) authority.Config {
	return authority.Config{
		Fixtures:      opts.Fixtures,
		Sessions:      opts.Sessions,
		Secret:        opts.Secret,
		NumericDates:  opts.NumericDates,
		Clock:         opts.Clock,
		LoginIdle:     opts.LoginIdleTimeout,
		LoginFixed:    opts.LoginFixedLifetime(),
		KeyLifetime:   opts.KeyTokenLifetime,
		Throttle:      opts.Throttle,
		FailureCounts: opts.FailureCounts,
	}
}

// httpConfig is the HTTP stack's part of the options, with the parts it serves.
func (s *Stub) httpConfig(spec *openapi3.T) httpstub.Config {
	c := httpstub.Config{
		Spec:           spec,
		Authority:      s.authority,
		Clock:          s.opts.Clock,
		Logger:         s.opts.Logger,
		Journal:        s.opts.Journal,
		Coverage:       s.opts.Coverage,
		Recorder:       s.opts.Recorder,
		AllowedOrigins: s.opts.AllowedOrigins,
		Latency:        s.opts.Latency,
		DisableFaults:  s.opts.DisableFaults,
		Health:         s.opts.Health,
	}
	if s.opts.Admin {
		c.Admin = s.admin
	}
	return c
}

// ServeHTTP serves the stub.
func (s *Stub) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.http.ServeHTTP(w, r) }

// Echo is the stub's Echo instance. To mount routes of your own, use Options.Extensions with
// Routes: Start and Listen are already serving when they return, and Echo's router must not change while it
// serves. Adding routes here is safe only on a stub from New (or NewHandler) that has not yet
// served a request.
func (s *Stub) Echo() *echo.Echo { return s.http.Echo() }

// Clock is the clock the stub reads.
func (s *Stub) Clock() Clock { return s.opts.Clock }

// SessionStore is where the stub keeps its sessions (Options.Sessions, or its own in-memory
// store).
func (s *Stub) SessionStore() sessions.Store { return s.authority.Sessions() }

// CheckToken accepts only a live, unreleased token signed by this stub with HS256, and counts
// as a use of it: a login token's hour of idle time starts again. The error is a *TokenError.
func (s *Stub) CheckToken(token string) (TokenInfo, error) { return s.http.CheckToken(token) }

// CheckRequest finds the request's token by the token rule (TokenFromRequest) and checks it as
// CheckToken does. The request's body, if it was read, is left to be read again byte for byte.
func (s *Stub) CheckRequest(r *http.Request) (TokenInfo, error) { return s.http.CheckRequest(r) }

// RequireToken is Echo middleware for any route that needs a token, following the token rule
// (CheckRequest); a refusal is answered in the envelope with a Bearer challenge, an accepted
// token is in the request's context (TokenInfoFrom). RequireTokenHandler is the same for
// net/http.
func (s *Stub) RequireToken() echo.MiddlewareFunc { return s.http.RequireToken() }

// RequireTokenHandler is RequireToken for net/http: the method value s.RequireTokenHandler is
// a func(http.Handler) http.Handler, so teams not on Echo can guard a route without importing
// it.
func (s *Stub) RequireTokenHandler(next http.Handler) http.Handler {
	return s.http.RequireTokenHandler(next)
}

// Transport returns an http.RoundTripper that serves each request with the stub itself, in
// the calling goroutine: no listener, no connection (see httpstub.Stack.Transport).
//
//	stub, _ := serverimpl.New(serverimpl.Options{})
//	hc := &http.Client{Transport: stub.Transport()}
//	client, _ := clientimpl.New("http://stub.invalid", clientimpl.WithHTTPClient(hc))
func (s *Stub) Transport() http.RoundTripper { return s.http.Transport() }
