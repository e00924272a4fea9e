// Package config is the stub's Options, what package serverimpl builds a stub from (it names
// them serverimpl.Options): one field per knob, with the defaults and the checks New makes
// (WithDefaults). It sits below serverimpl so that parts which fill Options in (redisstate's
// Configure) need not import the stub itself.
package config

import (
	"context"
	"log/slog"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

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
//
// Three pairs give a part or the size of the default one (Journal or JournalSize, Sessions or
// MaxSessions, Fixtures or FixturesFile). Each second field says what the first cannot: no
// journal at all (JournalSize < 0), the bound of the stub's own store (from a flag), fixtures
// that Reset reads again from their file. Fixtures and FixturesFile together are refused; the
// sizes are ignored beside a part of one's own.
type Options struct {
	Fixtures         *authority.Fixtures     // nil: the embedded defaults (DefaultFixtures)
	Secret           authority.SigningSecret // the HS256 signing secret; nil: random per start
	Clock            clock.Clock             // nil: real time (an OffsetClock with Admin)
	LoginIdleTimeout time.Duration           // 0: 1h (authentication/token tokens)
	KeyTokenLifetime time.Duration           // 0: 2h (web API key and consumer tokens)
	NumericDates     bool                    // RFC 7519 numeric exp/iat instead of CRM.COM's strings
	Logger           *slog.Logger            // nil: discard
	AllowedOrigins   []string                // CORS; nil/empty: any origin
	Latency          time.Duration           // added to every CRM.COM method call

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
	// AdminToken, when set, is required as "Authorization: Bearer <AdminToken>" on the admin
	// routes (compared in constant time, never logged).
	AdminToken string
	// AdminAllowRemote opens the admin routes to every host when AdminToken is not set.
	// Without either, they answer only loopback peers and refuse others with 403 (protected
	// mode, for a stub listening on every interface, as in a container).
	AdminAllowRemote bool
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
	Recorder journal.Recorder
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
	Throttle authority.ThrottleOptions
	// FailureCounts makes the brake's two failure counts (throttle.Config.Name "accounts" and
	// "clients"); nil: in memory (throttle.New). Replicas acting as one stub share them
	// (redisstate).
	FailureCounts func(throttle.Config) throttle.Counter
	// HTTP bounds the connections of the server Start and Listen run (not NewHandler's).
	HTTP HTTPLimits
	// Extensions add to the stub past CRM.COM's four methods, before it serves: routes of
	// your own (Routes), package gateway's gateway to an upstream and its forward auth check.
	Extensions []httpstub.Extension
	// Health, when set, is asked by /healthz first: an error makes it answer 503
	// SERVICE_UNAVAILABLE saying why (for example a shared store that does not answer:
	// redisstate.State.Health).
	Health func(ctx context.Context) error
}

// DefaultMaxSessions bounds live sessions (about 100 MB of heap at this many).
const DefaultMaxSessions = 1_000_000

// Bounds of the HTTP server behind Start and Listen (Options.HTTP overrides them). A request
// past MaxHeaderBytes (its line and headers) is answered 431 by net/http itself, before the
// stub sees it; a connection past a timeout is closed.
const (
	MaxHeaderBytes    = 64 << 10
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	// WriteTimeout is longer than the largest injected latency, so a slowed answer still arrives.
	WriteTimeout = httpstub.MaxInjectedLatency + 30*time.Second
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

// WithDefaults is l with its zero fields replaced by the defaults.
func (l HTTPLimits) WithDefaults() HTTPLimits {
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
