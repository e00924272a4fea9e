package serverimpl

import (
	"context"
	"net/http"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/config"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
)

// The names a Go team looks for on package serverimpl, from the packages that own them: the
// options (config), the clocks (clock), the fixtures and tokens (authority), the HTTP rules
// (httpstub) and the admin routes (admin).

// Options configure the stub; see config.Options for every field. The zero value is the stub
// with its embedded defaults.
type Options = config.Options

// LoginExpiry is how authentication/token tokens end (Options.LoginExpiry).
type LoginExpiry = config.LoginExpiry

// How login tokens end.
const (
	LoginExpiryIdle  = config.LoginExpiryIdle
	LoginExpiryFixed = config.LoginExpiryFixed
)

// HTTPLimits bound the connections of the server Start and Listen run (Options.HTTP).
type HTTPLimits = config.HTTPLimits

// Defaults of Options, as CRM.COM documents them where it does.
const (
	DefaultLoginIdleTimeout   = config.DefaultLoginIdleTimeout
	DefaultKeyTokenLifetime   = config.DefaultKeyTokenLifetime
	DefaultLoginTokenLifetime = config.DefaultLoginTokenLifetime
	DefaultMaxSessions        = config.DefaultMaxSessions

	DefaultMaxFailures          = authority.DefaultMaxFailures
	DefaultMaxFailuresPerClient = authority.DefaultMaxFailuresPerClient
	DefaultFailureWindow        = authority.DefaultFailureWindow

	MaxHeaderBytes    = config.MaxHeaderBytes
	ReadHeaderTimeout = config.ReadHeaderTimeout
	ReadTimeout       = config.ReadTimeout
	IdleTimeout       = config.IdleTimeout
	WriteTimeout      = config.WriteTimeout
)

// Clock tells the stub what time it is (package clock).
type Clock = clock.Clock

// SettableClock is a Clock that stands still until told to move.
type SettableClock = clock.Settable

// OffsetClock is the wall clock plus an offset that only grows (the admin clock's).
type OffsetClock = clock.Offset

// SharedOffset is an offset kept outside the process, shared by replicas.
type SharedOffset = clock.SharedOffset

// NewSettableClock returns a clock showing start.
func NewSettableClock(start time.Time) *SettableClock { return clock.NewSettable(start) }

// NewOffsetClock returns a clock that shows the wall-clock time until advanced.
func NewOffsetClock() *OffsetClock { return clock.NewOffset() }

// NewSharedOffsetClock returns a clock whose offset is o's.
func NewSharedOffsetClock(o SharedOffset) *OffsetClock { return clock.NewSharedOffset(o) }

// The fixtures: who may log in (package authority).
type (
	Fixtures               = authority.Fixtures
	User                   = authority.User
	WebAPIKey              = authority.WebAPIKey
	ConsumerApplicationKey = authority.ConsumerApplicationKey
	AccessToken            = authority.AccessToken
	FixtureError           = authority.FixtureError
	// SigningSecret is Options.Secret: a []byte that prints as [REDACTED].
	SigningSecret = authority.SigningSecret
	// ThrottleOptions set the brute-force brake (Options.Throttle).
	ThrottleOptions = authority.ThrottleOptions
)

// DefaultFixtures returns the embedded default fixtures.
func DefaultFixtures() *Fixtures { return authority.DefaultFixtures() }

// LoadFixtures reads a YAML fixtures file.
func LoadFixtures(path string) (*Fixtures, error) { return authority.LoadFixtures(path) }

// The credentials of the default fixtures, for tests that log in to a stub started with nil
// Options.Fixtures (published test data: never give them to a real server).
const (
	DefaultUsername               = authority.DefaultUsername
	DefaultPassword               = authority.DefaultPassword
	DefaultOrganisation           = authority.DefaultOrganisation
	DefaultUnit                   = authority.DefaultUnit
	DefaultOtherUnit              = authority.DefaultOtherUnit
	DefaultWebAPIKey              = authority.DefaultWebAPIKey
	DefaultKeyUsername            = authority.DefaultKeyUsername
	DefaultConsumerApplicationKey = authority.DefaultConsumerApplicationKey
	DefaultAuthenticationCode     = authority.DefaultAuthenticationCode
	DefaultIdentifier             = authority.DefaultIdentifier
	DefaultPassCode               = authority.DefaultPassCode
	DefaultContact                = authority.DefaultContact
	DefaultAccountsReceivable     = authority.DefaultAccountsReceivable
)

// The HTTP rules (package httpstub).
const (
	// BasePath is where CRM.COM serves its Web API methods, and so where the stub serves them.
	BasePath          = httpstub.BasePath
	MaxBodyBytes      = httpstub.MaxBodyBytes
	MaxTokenBodyBytes = httpstub.MaxTokenBodyBytes
	FaultHeader       = httpstub.FaultHeader
	RetryAfterHeader  = httpstub.RetryAfterHeader
	LatencyHeader     = httpstub.LatencyHeader
)

// TokenInfo is what a live token says about its holder (its claims).
type TokenInfo = authority.TokenInfo

// TokenError is why a token check refused a request.
type TokenError = httpstub.TokenError

// An Extension adds to the stub past CRM.COM's four methods (Options.Extensions); Routes is
// the one for routes of your own.
type Extension = httpstub.Extension

// TokenInfoFrom returns the token RequireToken or RequireTokenHandler accepted for this
// request.
func TokenInfoFrom(ctx context.Context) (TokenInfo, bool) { return httpstub.TokenInfoFrom(ctx) }

// WithTokenInfo returns ctx carrying info, as the token checks put it for TokenInfoFrom.
func WithTokenInfo(ctx context.Context, info TokenInfo) context.Context {
	return httpstub.WithTokenInfo(ctx, info)
}

// TokenFromRequest finds a request's token by the token rule (see httpstub.TokenFromRequest).
func TokenFromRequest(r *http.Request) (string, error) { return httpstub.TokenFromRequest(r) }

// The stub-only admin routes, outside CRM.COM's base path (api/admin.yaml).
const (
	// AdminClockPath answers GET with the stub's time.
	AdminClockPath = admin.ClockPath
	// AdminClockAdvancePath moves the stub's clock forward: POST {"seconds": 3601}.
	AdminClockAdvancePath = admin.ClockAdvancePath
	// AdminDocumentPath serves api/admin.yaml, the document of the admin routes.
	AdminDocumentPath = admin.DocumentPath
)

// ErrFixtures is wrapped by Reset's error when the fixtures file did not load; the stub then
// keeps the fixtures it had.
var ErrFixtures = admin.ErrFixtures
