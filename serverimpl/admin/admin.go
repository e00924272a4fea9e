// Package admin is the stub as a test fixture: its request journal, its sessions, reset, its
// clock and the coverage of the declared answers, in Go (Admin's methods) and over HTTP (the
// routes of api/admin.yaml, generated into gen/admin, mounted by Register).
//
// It knows the stub only through Config: the stores it reads and clears, the clock it moves,
// and a hook for what only the stub itself can reset (failed-attempt counts, fixtures).
package admin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// Clock is what the admin routes need from the stub's clock. Moving it may fail: replicas
// that act as one stub share its offset (in Redis), which may not answer.
type Clock interface {
	Now() time.Time
	// Advance moves the clock forward by d; on error it has not moved.
	Advance(ctx context.Context, d time.Duration) error
	// Reset goes back to where the clock started (no offset).
	Reset(ctx context.Context) error
	// Sync reads an offset shared by replicas afresh, so that Now reflects every move that
	// answered before (the views that read the time call it first); nil when not shared.
	Sync(ctx context.Context) error
}

// Fixtures says where the stub's fixtures come from, as reset reports it.
type Fixtures string

const (
	FixturesEmbedded Fixtures = "embedded" // the embedded defaults, kept
	FixturesGiven    Fixtures = "given"    // given in Go (Options.Fixtures), kept
	FixturesReloaded Fixtures = "reloaded" // the fixtures file, read again
)

// ErrFixtures is wrapped by the error of a reset whose fixtures file did not load; the stub
// then keeps the fixtures it had.
var ErrFixtures = errors.New("the fixtures file did not load")

// ErrNoSession is EndSession's error for a session the store does not hold.
var ErrNoSession = errors.New("no such session")

// ErrClockRange is AdvanceClock's error for a move backwards or by more than ten years.
var ErrClockRange = errors.New("the clock only moves forward, by at most ten years")

// StoreError is a store of the stub that could not be asked (a networked store that is down
// or slow): the routes answer it 503 SERVICE_UNAVAILABLE, naming Store, never Err (a store's
// error may name its address).
type StoreError struct {
	Store string // "sessions", "journal", "coverage counts", "failure counts", "clock"
	Err   error
}

func (e *StoreError) Error() string {
	return "admin: the " + e.Store + " could not be asked: " + e.Err.Error()
}
func (e *StoreError) Unwrap() error { return e.Err }

// unavailable wraps a store's error as a *StoreError (nil stays nil).
func unavailable(store string, err error) error {
	if err == nil {
		return nil
	}
	return &StoreError{Store: store, Err: err}
}

// Config is what Admin acts on.
type Config struct {
	Clock    Clock
	Sessions sessions.Store
	Journal  journal.Store  // nil: no journal (the journal routes answer an empty one)
	Coverage coverage.Store // nil: no counts
	// Declared are the answers the spec declares (coverage.Declared of openapi.yaml).
	Declared []coverage.Key
	// ResetStub resets what only the stub holds: the failed-attempt counts, and the fixtures
	// (read again from their file, if any). An error wrapping ErrFixtures means the file did
	// not load and the old fixtures stay.
	ResetStub func(ctx context.Context) (Fixtures, error)
	// Token, when set, is required as "Authorization: Bearer <Token>" on every route.
	Token string
	// AllowRemote, with no Token, opens the routes to every host. Without it they answer
	// only loopback peers and refuse others with 403 (protected mode).
	AllowRemote bool
}

// Admin is the stub's administration.
type Admin struct {
	cfg Config
}

// New returns the administration of the stub cfg describes.
func New(cfg Config) (*Admin, error) {
	if cfg.Clock == nil || cfg.Sessions == nil {
		return nil, errors.New("admin: Config needs a Clock and a Sessions store")
	}
	return &Admin{cfg: cfg}, nil
}

// Requests lists the journal's entries f selects, newest first.
func (a *Admin) Requests(ctx context.Context, f journal.Filter) ([]journal.Entry, error) {
	if a.cfg.Journal == nil {
		return []journal.Entry{}, nil
	}
	entries, err := a.cfg.Journal.List(ctx, f)
	return entries, unavailable("journal", err)
}

// CountRequests is how many journal entries f selects, whatever its Limit.
func (a *Admin) CountRequests(ctx context.Context, f journal.Filter) (int, error) {
	if a.cfg.Journal == nil {
		return 0, nil
	}
	n, err := a.cfg.Journal.Count(ctx, f)
	return n, unavailable("journal", err)
}

// ClearRequests empties the journal.
func (a *Admin) ClearRequests(ctx context.Context) error {
	if a.cfg.Journal == nil {
		return nil
	}
	return unavailable("journal", a.cfg.Journal.Clear(ctx))
}

// Session is a session the stub holds, with its ID and its state now.
type Session struct {
	ID sessions.ID
	sessions.Session
	State sessions.State
}

// SessionFilter selects sessions; its zero value selects all of them.
type SessionFilter struct {
	State    sessions.State // StateUnknown: any
	Username string         // "": any
	Limit    int            // at most this many (the first issued); 0: no bound
}

func (f *SessionFilter) match(s *sessions.Session, st sessions.State) bool {
	return (f.State == sessions.StateUnknown || f.State == st) &&
		(f.Username == "" || s.Holder != nil && s.Holder.Username == f.Username)
}

// Sessions lists the sessions f selects in order of issue, and how many it selects whatever
// its Limit.
func (a *Admin) Sessions(ctx context.Context, f SessionFilter) ([]Session, int, error) {
	now, err := a.NowContext(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []Session
	err = a.cfg.Sessions.List(ctx, now, func(id sessions.ID, s sessions.Session, st sessions.State) bool {
		if st != sessions.StateUnknown && f.match(&s, st) {
			out = append(out, Session{ID: id, Session: s, State: st})
		}
		return true
	})
	if err != nil {
		return nil, 0, unavailable("sessions", err)
	}
	slices.SortFunc(out, func(x, y Session) int {
		return cmp.Or(cmp.Compare(x.IssuedAt, y.IssuedAt), slices.Compare(x.ID[:], y.ID[:]))
	})
	n := len(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	if out == nil {
		out = []Session{}
	}
	return out, n, nil
}

// EndSession ends a live session from the server side, as released (the app then sees
// INVALID_TOKEN "token has been released") or as expired (TOKEN_EXPIRED). It returns the
// session after the call and the state it was in before; a session not live is left as it
// is. A session the store does not hold is ErrNoSession.
func (a *Admin) EndSession(ctx context.Context, id sessions.ID, as sessions.State) (Session, sessions.State, error) {
	if as != sessions.StateReleased && as != sessions.StateExpired {
		return Session{}, 0, fmt.Errorf("admin: a session ends as released or expired, not %s", as)
	}
	now, err := a.NowContext(ctx)
	if err != nil {
		return Session{}, 0, err
	}
	was, err := a.cfg.Sessions.End(ctx, id, now, as)
	if err != nil {
		return Session{}, 0, unavailable("sessions", err)
	}
	s, st, err := a.cfg.Sessions.Get(ctx, id, now)
	if err != nil {
		return Session{}, 0, unavailable("sessions", err)
	}
	if was == sessions.StateUnknown || st == sessions.StateUnknown {
		return Session{}, 0, ErrNoSession
	}
	return Session{ID: id, Session: s, State: st}, was, nil
}

// Reset returns the stub to its start state: no sessions, no failed-attempt counts, the
// clock back where it started, the journal and the coverage counts empty, and the fixtures
// file read again. Everything is reset even when the fixtures file does not load (the error
// then wraps ErrFixtures); a store that cannot be asked (the clock's shared offset among
// them) stops it with a *StoreError, what came before it done.
func (a *Admin) Reset(ctx context.Context) (Fixtures, error) {
	if err := a.cfg.Sessions.Clear(ctx); err != nil {
		return "", unavailable("sessions", err)
	}
	fixtures := FixturesEmbedded
	var fixturesErr error
	if a.cfg.ResetStub != nil {
		fixtures, fixturesErr = a.cfg.ResetStub(ctx)
		if fixturesErr != nil && !errors.Is(fixturesErr, ErrFixtures) {
			return "", fixturesErr
		}
	}
	if err := a.cfg.Clock.Reset(ctx); err != nil {
		return "", unavailable("clock", err)
	}
	if err := a.ClearRequests(ctx); err != nil {
		return "", err
	}
	if a.cfg.Coverage != nil {
		if err := a.cfg.Coverage.Clear(ctx); err != nil {
			return "", unavailable("coverage counts", err)
		}
	}
	return fixtures, fixturesErr
}

// Coverage is the declared answers with how often each was given since start or reset.
func (a *Admin) Coverage(ctx context.Context) (coverage.Report, error) {
	given := map[coverage.Key]int64{}
	if a.cfg.Coverage != nil {
		var err error
		if given, err = a.cfg.Coverage.Snapshot(ctx); err != nil {
			return coverage.Report{}, unavailable("coverage counts", err)
		}
	}
	return coverage.Compute(a.cfg.Declared, given), nil
}

// Now is the stub's time.
func (a *Admin) Now() time.Time { return a.cfg.Clock.Now() }

// NowContext is the stub's time with an offset shared by replicas read afresh (a round trip):
// every move that answered on any replica is in it. A shared offset that cannot be read is a
// *StoreError.
func (a *Admin) NowContext(ctx context.Context) (time.Time, error) {
	if err := a.cfg.Clock.Sync(ctx); err != nil {
		return time.Time{}, unavailable("clock", err)
	}
	return a.cfg.Clock.Now(), nil
}

// maxAdvance bounds one move of the clock, so a typo cannot throw it past any deadline.
const maxAdvance = 10 * 365 * 24 * time.Hour

// AdvanceClock moves the stub's clock forward by d, at most ten years (else an error wrapping
// ErrClockRange). A clock that cannot be moved is a *StoreError; it has not moved.
func (a *Admin) AdvanceClock(ctx context.Context, d time.Duration) error {
	if d < 0 || d > maxAdvance {
		return fmt.Errorf("%w; got %s", ErrClockRange, d)
	}
	return unavailable("clock", a.cfg.Clock.Advance(ctx, d))
}

// ResetClock puts the stub's clock back to real time (no offset; a settable clock back at its
// start time), leaving everything else as it is. A clock that cannot be moved is a
// *StoreError; it has not moved.
func (a *Admin) ResetClock(ctx context.Context) error {
	return unavailable("clock", a.cfg.Clock.Reset(ctx))
}
