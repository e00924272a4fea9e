package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// WithDefaults is o as the stub runs it, or why it cannot: the fixtures loaded, every zero
// value replaced by its default (stores, lifetimes, logger, brake, clock, a random secret), and
// the checks serverimpl.New makes.
func (o Options) WithDefaults() (Options, error) {
	if err := o.loadFixtures(); err != nil {
		return o, err
	}
	o.defaultStores()
	if err := o.defaultLifetimes(); err != nil {
		return o, err
	}
	if o.Logger == nil {
		// A handler that is never enabled, rather than one writing to io.Discard: the request
		// log then skips building its line (a fifth of a token request's CPU time).
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sessions == nil {
		if o.MaxSessions == 0 {
			o.MaxSessions = DefaultMaxSessions
		}
		o.Sessions = sessions.NewMemory(o.MaxSessions)
	}
	var err error
	if o.Throttle, err = o.Throttle.WithDefaults(); err != nil {
		return o, err
	}
	if err := o.defaultClock(); err != nil {
		return o, err
	}
	if len(o.Secret) == 0 {
		o.Secret = []byte(rand.Text() + rand.Text())
		o.Logger.Info("signing secret is random for this run: tokens will not survive a restart")
	}
	return o, nil
}

// loadFixtures reads FixturesFile, or takes the embedded defaults, when Fixtures is nil.
func (o *Options) loadFixtures() error {
	switch {
	case o.Fixtures == nil && o.FixturesFile != "":
		f, err := authority.LoadFixtures(o.FixturesFile)
		if err != nil {
			return err
		}
		o.Fixtures = f
	case o.Fixtures == nil:
		o.Fixtures = authority.DefaultFixtures()
	case o.FixturesFile != "":
		return errors.New("serverimpl: give Fixtures or FixturesFile, not both")
	}
	return nil
}

// defaultStores makes the in-memory journal (unless JournalSize < 0) and coverage.
func (o *Options) defaultStores() {
	if o.Journal == nil && o.JournalSize >= 0 {
		o.Journal = journal.NewMemory(o.JournalSize)
	}
	if o.Coverage == nil {
		o.Coverage = coverage.NewMemory()
	}
}

// defaultLifetimes fills in the token lifetimes and checks them, the login expiry and the
// latency.
func (o *Options) defaultLifetimes() error {
	if o.LoginIdleTimeout == 0 {
		o.LoginIdleTimeout = DefaultLoginIdleTimeout
	}
	if o.KeyTokenLifetime == 0 {
		o.KeyTokenLifetime = DefaultKeyTokenLifetime
	}
	if o.LoginTokenLifetime == 0 {
		o.LoginTokenLifetime = DefaultLoginTokenLifetime
	}
	switch o.LoginExpiry {
	case "":
		o.LoginExpiry = LoginExpiryIdle
	case LoginExpiryIdle, LoginExpiryFixed:
	default:
		return fmt.Errorf("serverimpl: LoginExpiry %q: use %q or %q", o.LoginExpiry, LoginExpiryIdle, LoginExpiryFixed)
	}
	if o.LoginIdleTimeout < 0 || o.KeyTokenLifetime < 0 || o.LoginTokenLifetime < 0 || o.Latency < 0 {
		return errors.New("serverimpl: lifetimes and latency must not be negative")
	}
	return nil
}

// defaultClock is real time, or with Admin an OffsetClock; Admin needs a clock it can move.
func (o *Options) defaultClock() error {
	if o.Clock == nil {
		if o.Admin {
			o.Clock = clock.NewOffset()
		} else {
			o.Clock = clock.Real{}
		}
	}
	if _, ok := o.Clock.(clock.Mover); !ok && o.Admin {
		return fmt.Errorf("serverimpl: Admin needs a clock that can Advance and Reset; %T cannot", o.Clock)
	}
	return nil
}

// LoginFixedLifetime is a login token's fixed lifetime: 0 in the idle mode.
func (o Options) LoginFixedLifetime() time.Duration {
	if o.LoginExpiry == LoginExpiryFixed {
		return o.LoginTokenLifetime
	}
	return 0
}
