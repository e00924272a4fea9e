package serverimpl

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// The stub-only admin clock routes, outside CRM.COM's base path (api/admin.yaml).
const (
	// AdminClockPath answers GET with the stub's time.
	AdminClockPath = admin.ClockPath
	// AdminClockAdvancePath moves the stub's clock forward: POST {"seconds": 3601}. A browser
	// test makes tokens expire this way instead of waiting.
	AdminClockAdvancePath = admin.ClockAdvancePath
	// AdminDocumentPath serves api/admin.yaml, the document of the admin routes.
	AdminDocumentPath = admin.DocumentPath
)

// ErrFixtures is wrapped by Reset's error when the fixtures file did not load; the stub then
// keeps the fixtures it had.
var ErrFixtures = admin.ErrFixtures

// newAdmin builds the stub's administration from its own parts.
func (s *Stub) newAdmin(clock advancer, declared []coverage.Key) (*admin.Admin, error) {
	return admin.New(admin.Config{
		Clock:     adminClock{clock},
		Sessions:  s.authority.sessions,
		Journal:   s.journal,
		Coverage:  s.coverage,
		Declared:  declared,
		ResetStub: s.resetStub,
		Token:     s.opts.AdminToken,

		AllowRemote: s.opts.AdminAllowRemote, // protected mode unless set
	})
}

// resetStub resets what only the stub holds: the brake's counts, and the fixtures file.
func (s *Stub) resetStub(ctx context.Context) (admin.Fixtures, error) {
	if err := s.authority.brake.clear(ctx); err != nil {
		return "", &admin.StoreError{Store: "failure counts", Err: err}
	}
	switch {
	case s.opts.FixturesFile != "":
		f, err := LoadFixtures(s.opts.FixturesFile)
		if err == nil {
			var d *directory
			if d, err = compileDirectory(f); err == nil {
				s.authority.directory.Store(d)
				s.logger.Info("admin: fixtures reloaded", "file", s.opts.FixturesFile)
				return admin.FixturesReloaded, nil
			}
		}
		return admin.FixturesReloaded, fmt.Errorf("%w: %v", admin.ErrFixtures, err)
	case s.fixturesGiven:
		return admin.FixturesGiven, nil
	}
	return admin.FixturesEmbedded, nil
}

// mountAdmin serves api/admin.yaml's routes. They are not journalled nor counted in coverage:
// a suite asking the journal should find only its app's requests there.
func (s *Stub) mountAdmin(e *echo.Echo) error {
	return s.admin.Register(e, unjournalled)
}

func unjournalled(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		exchangeFrom(c.Request().Context()).unjournalled = true
		return next(c)
	}
}

// Requests lists the journal's entries f selects, newest first (Options.JournalSize bounds
// how many are kept).
func (s *Stub) Requests(f journal.Filter) ([]journal.Entry, error) {
	return s.admin.Requests(context.Background(), f)
}

// CountRequests is how many journal entries f selects, for verification: "exactly one
// ReleaseToken answered OK since T".
func (s *Stub) CountRequests(f journal.Filter) (int, error) {
	return s.admin.CountRequests(context.Background(), f)
}

// ClearRequests empties the journal.
func (s *Stub) ClearRequests() error { return s.admin.ClearRequests(context.Background()) }

// Sessions lists the sessions the stub holds, in order of issue.
func (s *Stub) Sessions() ([]admin.Session, error) {
	list, _, err := s.admin.Sessions(context.Background(), admin.SessionFilter{})
	return list, err
}

// EndSession ends a live session from the server side, as sessions.StateReleased (its token is
// then answered INVALID_TOKEN "token has been released") or sessions.StateExpired
// (TOKEN_EXPIRED), and returns the state it was in before. jti is the token's jti claim.
func (s *Stub) EndSession(jti string, as sessions.State) (sessions.State, error) {
	id, ok := sessions.ParseID(jti)
	if !ok {
		return sessions.StateUnknown, fmt.Errorf("serverimpl: %q is not a jti", jti)
	}
	_, was, err := s.admin.EndSession(context.Background(), id, as)
	return was, err
}

// Reset returns the stub to its start state: no sessions, no failed-attempt counts, the
// clock's offset zero (a SettableClock back at its start time), the journal and the coverage
// empty, and Options.FixturesFile read again (an error wrapping ErrFixtures when it does not
// load; the stub keeps its fixtures, and everything else is reset all the same). A store that
// cannot be asked, the clock's shared offset among them, stops it with an *admin.StoreError.
func (s *Stub) Reset() error {
	_, err := s.admin.Reset(context.Background())
	return err
}

// Coverage is, for each of the four methods, every answer the spec declares and how often the
// stub gave it since start or reset.
func (s *Stub) Coverage() (coverage.Report, error) { return s.admin.Coverage(context.Background()) }

// noClock stands in for the admin clock when the stub's clock cannot move: the Go API's Reset
// still works, and nothing advances it (the routes are mounted only with a clock that can).
type noClock struct{ Clock }

func (noClock) Advance(d time.Duration) {}
func (noClock) Reset()                  {}

// contextClock is a clock whose moves can fail and say so: an OffsetClock, whose offset may be
// shared by replicas (in Redis) and so may not be changed.
type contextClock interface {
	AdvanceContext(ctx context.Context, d time.Duration) error
	ResetContext(ctx context.Context) error
}

// adminClock is the stub's clock as the admin routes move it: through AdvanceContext and
// ResetContext where the clock has them (their errors answered 503), else through Advance and
// Reset, which cannot fail (SettableClock).
type adminClock struct{ advancer }

func (c adminClock) Advance(ctx context.Context, d time.Duration) error {
	if cc, ok := c.advancer.(contextClock); ok {
		return cc.AdvanceContext(ctx, d)
	}
	c.advancer.Advance(d)
	return nil
}

func (c adminClock) Reset(ctx context.Context) error {
	if cc, ok := c.advancer.(contextClock); ok {
		return cc.ResetContext(ctx)
	}
	c.advancer.Reset()
	return nil
}

// directoryRef holds the compiled fixtures; reset swaps them while requests read them.
type directoryRef = atomic.Pointer[directory]

var _ contextClock = (*OffsetClock)(nil)
