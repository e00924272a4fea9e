package serverimpl

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// BasePath is where CRM.COM serves its Web API methods, and so where the stub serves them.
const BasePath = "/crmapi/rest/v2"

// Default lifetimes, as CRM.COM documents them.
const (
	DefaultLoginIdleTimeout = time.Hour
	DefaultKeyTokenLifetime = 2 * time.Hour
	// DefaultLoginTokenLifetime is a login token's lifetime with LoginExpiryFixed (R12 on).
	DefaultLoginTokenLifetime = 2 * time.Hour
)

// LoginExpiry is how authentication/token tokens end.
type LoginExpiry string

const (
	// LoginExpiryIdle (the default, as the seeds describe CRM.COM): a login token ends after
	// LoginIdleTimeout of not being used; every use restarts that time.
	LoginExpiryIdle LoginExpiry = "idle"
	// LoginExpiryFixed (CRM.COM from R12.0.0 on): a login token ends LoginTokenLifetime after
	// issue, used or not, as key tokens do.
	LoginExpiryFixed LoginExpiry = "fixed"
)

// Options configure the stub. The zero value is the stub with its embedded defaults.
type Options struct {
	Fixtures         *Fixtures     // nil: the embedded defaults (DefaultFixtures)
	Secret           SigningSecret // the HS256 signing secret; nil: random per start
	Clock            Clock         // nil: real time (an OffsetClock when AdminClock is set)
	LoginIdleTimeout time.Duration // 0: 1h (authentication/token tokens)
	KeyTokenLifetime time.Duration // 0: 2h (web API key and consumer tokens)
	NumericDates     bool          // RFC 7519 numeric exp/iat instead of CRM.COM's strings
	Logger           *slog.Logger  // nil: discard
	AllowedOrigins   []string      // CORS; nil/empty: any origin
	Latency          time.Duration // added to every CRM.COM method call

	// LoginExpiry is how login tokens end; "": LoginExpiryIdle (after LoginIdleTimeout unused).
	LoginExpiry LoginExpiry
	// LoginTokenLifetime is a login token's fixed lifetime with LoginExpiryFixed; 0: 2h.
	LoginTokenLifetime time.Duration

	// Admin mounts the administration routes of api/admin.yaml under /_crmauth/: the request
	// journal, the sessions, reset, coverage and the clock (AdminClockPath,
	// AdminClockAdvancePath). The Clock must then be able to Advance and Reset (SettableClock,
	// OffsetClock); nil gets an OffsetClock. The Go methods (Requests, Sessions, EndSession,
	// Reset, Coverage) work without it.
	Admin bool
	// AdminClock is the former name of Admin, which it now means.
	AdminClock bool
	// AdminToken, when set, is required as "Authorization: Bearer <AdminToken>" on the admin
	// routes (compared in constant time, never logged).
	AdminToken string
	// FixturesFile is a YAML fixtures file (LoadFixtures) used when Fixtures is nil, and read
	// again by Reset, so editing fixtures needs no restart.
	FixturesFile string
	// Journal records every request answered (the admin routes aside); nil: an in-memory
	// journal keeping the newest JournalSize entries.
	Journal journal.Store
	// JournalSize bounds the default journal: 0: journal.DefaultSize (10,000); < 0: no
	// journal at all. Ignored when Journal is set.
	JournalSize int
	// Coverage counts the answers of the four methods; nil: in memory.
	Coverage coverage.Store
	// Recorder, when set, writes each answered request's journal entry and its coverage count
	// together instead of Journal.Append and Coverage.Add in turn (a shared store: one round
	// trip instead of two). It must write to the Journal and Coverage set here, as
	// redisstate.State.Configure sets all three. Ignored without a Journal.
	Recorder RequestRecorder
	// DisableFaults ignores FaultHeader and LatencyHeader (Options.Latency still applies).
	DisableFaults bool
	// Sessions stores sessions; nil: a new in-memory store holding at most MaxSessions.
	Sessions sessions.Store
	// MaxSessions bounds the live sessions of the default store: beyond it the issuing methods
	// answer 503 SERVICE_UNAVAILABLE with Retry-After until tokens are released or expire.
	// 0: DefaultMaxSessions; < 0: no bound. Ignored when Sessions is set.
	MaxSessions int
	// Throttle is the brute-force brake on failed logins and keys; the zero value is on, with
	// the defaults (DefaultMaxFailures per account, DefaultMaxFailuresPerClient per address,
	// in DefaultFailureWindow).
	Throttle ThrottleOptions
	// FailureCounts makes the brake's two failure counts (throttle.Config.Name "accounts" and
	// "clients"); nil: in memory (throttle.New). Replicas acting as one stub share them
	// (redisstate).
	FailureCounts func(throttle.Config) throttle.Counter
	// HTTP bounds the connections of the server Start and Listen run (not NewHandler's).
	HTTP HTTPLimits
	// Extensions add to the stub past CRM.COM's four methods, before it serves: routes of
	// your own (Routes), package gateway's gateway to an upstream and its forward auth check.
	Extensions []Extension
	// Health, when set, is asked by /healthz first: an error makes it answer 503
	// SERVICE_UNAVAILABLE saying why (for example a shared store that does not answer:
	// redisstate.State.Health).
	Health func(ctx context.Context) error
}

// DefaultMaxSessions bounds live sessions (about 100 MB of heap at this many).
const DefaultMaxSessions = 1_000_000

// Stub is the whole stub as an http.Handler. Build it with New (or NewHandler).
type Stub struct {
	opts      Options
	echo      *echo.Echo
	authority *authority
	clock     Clock
	logger    *slog.Logger
	declared  map[string][]int // error statuses per operationId, for fault injection

	journal       journal.Store   // nil: none
	coverage      coverage.Store  // never nil
	recorder      RequestRecorder // nil: journal and coverage written in turn
	admin         *admin.Admin
	fixturesGiven bool // Options.Fixtures was set (Reset keeps them)
}

// NewHandler returns the whole stub as a net/http handler.
func NewHandler(opts Options) (http.Handler, error) {
	return New(opts)
}

// New builds the stub: fixtures compiled, validator and routes set up once.
func New(opts Options) (*Stub, error) {
	fixturesGiven := opts.Fixtures != nil
	switch {
	case opts.Fixtures == nil && opts.FixturesFile != "":
		f, err := LoadFixtures(opts.FixturesFile)
		if err != nil {
			return nil, err
		}
		opts.Fixtures = f
	case opts.Fixtures == nil:
		opts.Fixtures = DefaultFixtures()
	case opts.FixturesFile != "":
		return nil, errors.New("serverimpl: give Fixtures or FixturesFile, not both")
	}
	opts.Admin = opts.Admin || opts.AdminClock
	if opts.Journal == nil && opts.JournalSize >= 0 {
		opts.Journal = journal.NewMemory(opts.JournalSize)
	}
	if opts.Coverage == nil {
		opts.Coverage = coverage.NewMemory()
	}
	if opts.LoginIdleTimeout == 0 {
		opts.LoginIdleTimeout = DefaultLoginIdleTimeout
	}
	if opts.KeyTokenLifetime == 0 {
		opts.KeyTokenLifetime = DefaultKeyTokenLifetime
	}
	if opts.LoginTokenLifetime == 0 {
		opts.LoginTokenLifetime = DefaultLoginTokenLifetime
	}
	switch opts.LoginExpiry {
	case "":
		opts.LoginExpiry = LoginExpiryIdle
	case LoginExpiryIdle, LoginExpiryFixed:
	default:
		return nil, fmt.Errorf("serverimpl: LoginExpiry %q: use %q or %q", opts.LoginExpiry, LoginExpiryIdle, LoginExpiryFixed)
	}
	if opts.LoginIdleTimeout < 0 || opts.KeyTokenLifetime < 0 || opts.LoginTokenLifetime < 0 || opts.Latency < 0 {
		return nil, errors.New("serverimpl: lifetimes and latency must not be negative")
	}
	if opts.Logger == nil {
		// A handler that is never enabled, rather than one writing to io.Discard: the request
		// log then skips building its line (a fifth of a token request's CPU time).
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sessions == nil {
		if opts.MaxSessions == 0 {
			opts.MaxSessions = DefaultMaxSessions
		}
		opts.Sessions = sessions.NewMemory(opts.MaxSessions)
	}
	throttling, err := opts.Throttle.withDefaults()
	if err != nil {
		return nil, err
	}
	opts.Throttle = throttling
	if opts.Clock == nil {
		if opts.Admin {
			opts.Clock = NewOffsetClock()
		} else {
			opts.Clock = realClock{}
		}
	}
	adminClock, ok := opts.Clock.(advancer)
	if !ok {
		if opts.Admin {
			return nil, fmt.Errorf("serverimpl: Admin needs a clock that can Advance and Reset; %T cannot", opts.Clock)
		}
		adminClock = noClock{opts.Clock}
	}
	if len(opts.Secret) == 0 {
		opts.Secret = []byte(rand.Text() + rand.Text())
		opts.Logger.Info("signing secret is random for this run: tokens will not survive a restart")
	}
	dir, err := compileDirectory(opts.Fixtures)
	if err != nil {
		return nil, err
	}
	spec, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("serverimpl: embedded spec: %w", err)
	}

	s := &Stub{
		opts:  opts,
		clock: opts.Clock,
		authority: &authority{
			sessions:    opts.Sessions,
			signer:      newTokenSigner(opts.Secret, opts.NumericDates),
			clock:       opts.Clock,
			loginIdle:   opts.LoginIdleTimeout,
			loginFixed:  loginFixedLifetime(opts),
			keyLifetime: opts.KeyTokenLifetime,
			brake:       newBrake(opts.Throttle, opts.FailureCounts, opts.Clock, opts.Sessions),
		},
		logger:        opts.Logger,
		declared:      declaredStatuses(spec),
		journal:       opts.Journal,
		recorder:      opts.Recorder,
		coverage:      opts.Coverage,
		fixturesGiven: fixturesGiven,
	}
	s.authority.directory.Store(dir)
	answers, err := coverage.Declared(spec)
	if err != nil {
		return nil, err
	}
	if s.admin, err = s.newAdmin(adminClock, answers); err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.front(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "path", c.Request().URL.Path, "error", err.Error(), "stack", string(stack))
			return err
		},
	}), cors(opts.AllowedOrigins), singleAuthorization))

	keyed, err := basicKeyOperations(spec)
	if err != nil {
		return nil, err
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
	gen.RegisterHandlersWithOptions(chainedRoutes{e}, gen.NewStrictHandler(&handlers{authority: s.authority}, nil), gen.RegisterHandlersOptions{
		BaseURL:              BasePath,
		OperationMiddlewares: perOperation,
	})
	s.mountSpec(e)
	if opts.Admin {
		if err := s.mountAdmin(e); err != nil {
			return nil, fmt.Errorf("serverimpl: admin routes: %w", err)
		}
	}
	mountDocs(e, opts.Admin)
	s.echo = e
	if err := s.extend(opts.Extensions); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHTTP serves the stub.
func (s *Stub) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo is the stub's Echo instance. To mount routes of your own, use Options.Extensions with
// Routes: Start and Listen are already serving when they return, and Echo's router must not change while it
// serves. Adding routes here is safe only on a stub from New (or NewHandler) that has not yet
// served a request.
func (s *Stub) Echo() *echo.Echo { return s.echo }

// Clock is the clock the stub reads.
func (s *Stub) Clock() Clock { return s.clock }

// SessionStore is where the stub keeps its sessions (Options.Sessions, or its own in-memory
// store).
func (s *Stub) SessionStore() sessions.Store { return s.authority.sessions }
