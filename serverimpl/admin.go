package serverimpl

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/serverimpl/admin"
	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// newAdmin builds the stub's administration from its own parts.
func (s *Stub) newAdmin(spec *openapi3.T) (*admin.Admin, error) {
	declared, err := coverage.Declared(spec)
	if err != nil {
		return nil, err
	}
	moves, ok := s.opts.Clock.(clock.Mover)
	if !ok {
		moves = clock.Still(s.opts.Clock) // the Go API's Reset still works; no route moves it
	}
	return admin.New(admin.Config{
		Clock:     clock.Admin{Mover: moves},
		Sessions:  s.authority.Sessions(),
		Journal:   s.opts.Journal,
		Coverage:  s.opts.Coverage,
		Declared:  declared,
		ResetStub: s.resetStub,
		Token:     s.opts.AdminToken,

		AllowRemote: s.opts.AdminAllowRemote, // protected mode unless set
	})
}

// resetStub resets what only the stub holds: the brake's counts, and the fixtures file.
func (s *Stub) resetStub(ctx context.Context) (admin.Fixtures, error) {
	if err := s.authority.ClearFailures(ctx); err != nil {
		return "", &admin.StoreError{Store: "failure counts", Err: err}
	}
	switch {
	case s.opts.FixturesFile != "":
		f, err := LoadFixtures(s.opts.FixturesFile)
		if err == nil {
			if err = s.authority.Reload(f); err == nil {
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
