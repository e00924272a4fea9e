package httpstub

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/console"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// BasePath is where CRM.COM serves its Web API methods, and so where the stub serves them.
const BasePath = "/crmapi/rest/v2"

// Config is what the HTTP face of the stub is built from. Package serverimpl fills it in from
// its Options, with every default set.
type Config struct {
	Spec      *openapi3.T // gen.GetSpec's, parsed once
	Authority *authority.Authority
	Clock     clock.Clock
	Logger    *slog.Logger   // never nil
	Journal   journal.Store  // nil: none
	Coverage  coverage.Store // never nil
	Recorder  journal.Recorder
	// Admin, when set, has its routes mounted under /_crmauth/, unjournalled.
	Admin          *admin.Admin
	AllowedOrigins []string
	Latency        time.Duration
	DisableFaults  bool
	Health         func(ctx context.Context) error
}

// Stack is the stub's HTTP face: the Echo instance with the four methods behind their
// middleware chain, the spec, docs, operational and admin routes, and the token checks for
// routes of one's own.
type Stack struct {
	opts      Config
	echo      *echo.Echo
	authority *authority.Authority
	clock     clock.Clock
	logger    *slog.Logger
	declared  map[string][]int // error statuses per operationId, for fault injection
	journal   journal.Store    // nil: none
	coverage  coverage.Store   // never nil
	recorder  journal.Recorder // nil: journal and coverage written in turn
	// lines is the logger's handler when it is textlog's: the request line takes its direct
	// path. nil: the line goes to the handler as a slog.Record.
	lines *textlog.Handler
}

// New builds the stack: validator and routes set up once, from the embedded spec.
func New(c Config) (*Stack, error) {
	spec := c.Spec
	s := &Stack{
		opts: c, authority: c.Authority, clock: c.Clock, logger: c.Logger,
		declared: declaredStatuses(spec), journal: c.Journal, coverage: c.Coverage, recorder: c.Recorder,
	}
	s.lines, _ = c.Logger.Handler().(*textlog.Handler)
	s.echo = echo.New()
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	s.useCommon()
	if err := s.mountMethods(spec); err != nil {
		return nil, err
	}
	s.mountSpec(s.echo)
	s.mountOperational(s.echo)
	if c.Admin != nil {
		if err := c.Admin.Register(s.echo, unjournalled); err != nil {
			return nil, fmt.Errorf("serverimpl: admin routes: %w", err)
		}
		// The console, a client of the admin routes, unjournalled like them.
		s.echo.GET(console.Path, console.Handle, unjournalled)
		s.echo.GET(console.Path+"/*", console.Handle, unjournalled)
	}
	mountDocs(s.echo, c.Admin != nil)
	return s, nil
}

// useCommon puts in front of every route the request log, recovery, CORS and the rule of a
// single Authorization header.
func (s *Stack) useCommon() {
	e := s.echo
	e.Use(s.front(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "path", c.Request().URL.Path, "error", err.Error(), "stack", string(stack))
			return err
		},
	}), cors(s.opts.AllowedOrigins), singleAuthorization))
}

// mountMethods mounts CRM.COM's four methods under BasePath, each behind its chain: the
// operation's name, the client's address, faults, body rules, Basic (key methods) and
// validation against the spec.
func (s *Stack) mountMethods(spec *openapi3.T) error {
	keyed, err := basicKeyOperations(spec)
	if err != nil {
		return err
	}
	validator := newValidator(spec, keyed)
	perOperation := map[string][]echo.MiddlewareFunc{}
	for operation := range s.declared {
		chain := []echo.MiddlewareFunc{markOperation(operation), noteClient, s.faults(operation), bodyRules}
		if keyed[operation] {
			chain = append(chain, requireBasicKey)
		}
		perOperation[operation] = append(chain, validator)
	}
	gen.RegisterHandlersWithOptions(chainedRoutes{s.echo}, gen.NewStrictHandler(&handlers{authority: s.authority}, nil), gen.RegisterHandlersOptions{
		BaseURL:              BasePath,
		OperationMiddlewares: perOperation,
	})
	return nil
}

// ServeHTTP serves the stub.
func (s *Stack) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo is the stack's Echo instance (see serverimpl.Stub.Echo for when routes may be added).
func (s *Stack) Echo() *echo.Echo { return s.echo }

// unjournalled marks a request not to journal nor count in coverage (the admin routes: a
// suite asking the journal should find only its app's requests there).
func unjournalled(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		exchangeFrom(c.Request().Context()).unjournalled = true
		return next(c)
	}
}
