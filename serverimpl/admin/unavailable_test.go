package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// errDown is what the stores below answer: each stands for a store across a network that does
// not answer (Redis down), which is what every store call may meet.
var errDown = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")

type downSessions struct{}

func (downSessions) Add(context.Context, sessions.ID, sessions.Session) error { return errDown }
func (downSessions) Use(context.Context, sessions.ID, time.Time) (sessions.State, error) {
	return 0, errDown
}
func (downSessions) End(context.Context, sessions.ID, time.Time, sessions.State) (sessions.State, error) {
	return 0, errDown
}
func (downSessions) Get(context.Context, sessions.ID, time.Time) (sessions.Session, sessions.State, error) {
	return sessions.Session{}, 0, errDown
}
func (downSessions) List(context.Context, time.Time, func(sessions.ID, sessions.Session, sessions.State) bool) error {
	return errDown
}
func (downSessions) Clear(context.Context) error      { return errDown }
func (downSessions) Len(context.Context) (int, error) { return 0, errDown }

type downJournal struct{}

func (downJournal) Append(context.Context, journal.Entry) error { return errDown }
func (downJournal) List(context.Context, journal.Filter) ([]journal.Entry, error) {
	return nil, errDown
}
func (downJournal) Count(context.Context, journal.Filter) (int, error) { return 0, errDown }
func (downJournal) Clear(context.Context) error                        { return errDown }

type downCoverage struct{}

func (downCoverage) Add(context.Context, string, int, string) error { return errDown }
func (downCoverage) Snapshot(context.Context) (map[coverage.Key]int64, error) {
	return nil, errDown
}
func (downCoverage) Clear(context.Context) error { return errDown }

type downCounter struct{}

func (downCounter) Blocked(context.Context, string) (throttle.Status, error) {
	return throttle.Status{}, errDown
}
func (downCounter) Fail(context.Context, string) error  { return errDown }
func (downCounter) Reset(context.Context, string) error { return errDown }
func (downCounter) Clear(context.Context) error         { return errDown }

// downOffset is a shared clock offset (serverimpl.SharedOffset) that cannot be changed: it
// still reads its last known offset, as redisstate's copy does.
type downOffset struct{ offset time.Duration }

func (o *downOffset) Offset() time.Duration { return o.offset }
func (o *downOffset) Advance(context.Context, time.Duration) (time.Duration, error) {
	return 0, errDown
}
func (o *downOffset) Set(context.Context, time.Duration) error { return errDown }

// unavailable asserts a 503 SERVICE_UNAVAILABLE in the envelope with Retry-After, naming the
// store but not its error (which names an address). The client validated it against admin.yaml.
func assertUnavailable(t *testing.T, what string, status int, header http.Header, body []byte, store string) {
	t.Helper()
	var env adminapi.ErrorResponse
	if err := json.Unmarshal(body, &env); err != nil {
		t.Errorf("%s: %d %s: %v", what, status, body, err)
		return
	}
	if status != http.StatusServiceUnavailable || env.Status.Code != adminapi.ErrorCodeServiceUnavailable {
		t.Errorf("%s: %d %s; want 503 SERVICE_UNAVAILABLE", what, status, body)
	}
	if header.Get("Retry-After") != "1" {
		t.Errorf("%s: Retry-After %q, want 1", what, header.Get("Retry-After"))
	}
	if !strings.Contains(env.Status.Message, "the "+store+" is unavailable") || strings.Contains(string(body), "10.0.0.7") {
		t.Errorf("%s: message %q should name the %s and not the store's error", what, env.Status.Message, store)
	}
}

// Every admin route that asks a store answers 503 with Retry-After while the store cannot be
// asked, as the CRM.COM methods do, never 500: answers validated against admin.yaml.
func TestAdminStoreUnavailable(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) {
		o.Sessions, o.Journal, o.Coverage = downSessions{}, downJournal{}, downCoverage{}
	})
	const jti = "9D4E1E23BD5B727046B9DCCB56A37024"
	type answer struct {
		status int
		header http.Header
		body   []byte
	}
	of := func(r *http.Response, body []byte, err error) answer {
		if err != nil {
			t.Fatal(err)
		}
		return answer{r.StatusCode, r.Header, body}
	}
	for _, c := range []struct {
		route, store string
		call         func() answer
	}{
		{"ListRequests", "journal", func() answer {
			r, err := s.admin.ListRequestsWithResponse(ctx, &adminapi.ListRequestsParams{})
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"CountRequests", "journal", func() answer {
			r, err := s.admin.CountRequestsWithResponse(ctx, &adminapi.CountRequestsParams{})
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"ClearRequests", "journal", func() answer {
			r, err := s.admin.ClearRequestsWithResponse(ctx)
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"ListSessions", "sessions", func() answer {
			r, err := s.admin.ListSessionsWithResponse(ctx, &adminapi.ListSessionsParams{})
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"EndSession", "sessions", func() answer {
			r, err := s.admin.EndSessionWithResponse(ctx, jti, &adminapi.EndSessionParams{})
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"Reset", "sessions", func() answer {
			r, err := s.admin.ResetWithResponse(ctx)
			return of(r.HTTPResponse, r.Body, err)
		}},
		{"GetCoverage", "coverage counts", func() answer {
			r, err := s.admin.GetCoverageWithResponse(ctx)
			return of(r.HTTPResponse, r.Body, err)
		}},
	} {
		a := c.call()
		assertUnavailable(t, c.route, a.status, a.header, a.body, c.store)
	}
	// The clock asks no store: it still answers.
	if r, err := s.admin.GetClockWithResponse(ctx); err != nil || r.JSON200 == nil {
		t.Errorf("GetClock: %v %d %s", err, r.StatusCode(), r.Body)
	}
}

// Reset stops at the first store it cannot ask, and says which: each store in turn.
func TestAdminResetStoreUnavailable(t *testing.T) {
	for _, c := range []struct {
		store     string
		configure func(*serverimpl.Options)
	}{
		{"failure counts", func(o *serverimpl.Options) {
			o.FailureCounts = func(throttle.Config) throttle.Counter { return downCounter{} }
		}},
		{"journal", func(o *serverimpl.Options) { o.Journal = downJournal{} }},
		{"coverage counts", func(o *serverimpl.Options) { o.Coverage = downCoverage{} }},
	} {
		s := startStub(t, c.configure)
		r, err := s.admin.ResetWithResponse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertUnavailable(t, "Reset with the "+c.store+" down", r.StatusCode(), r.HTTPResponse.Header, r.Body, c.store)
		if err := s.Reset(); !errors.Is(err, errDown) {
			t.Errorf("Stub.Reset with the %s down: %v, want its error", c.store, err)
		}
	}
}

// An OffsetClock whose shared offset cannot be changed: advance answers 503 and the clock has
// not moved (it answered 200 with the time unchanged), and reset reports the clock it could
// not reset instead of succeeding.
func TestAdminClockUnavailable(t *testing.T) {
	offset := &downOffset{offset: time.Hour}
	s := startStub(t, func(o *serverimpl.Options) { o.Clock = serverimpl.NewSharedOffsetClock(offset) })
	before := time.Now().Add(time.Hour)

	adv, err := s.admin.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{Seconds: 7200})
	if err != nil {
		t.Fatal(err)
	}
	assertUnavailable(t, "AdvanceClock", adv.StatusCode(), adv.HTTPResponse.Header, adv.Body, "clock")
	clock, err := s.admin.GetClockWithResponse(ctx)
	if err != nil || clock.JSON200 == nil {
		t.Fatalf("GetClock: %v %d %s", err, clock.StatusCode(), clock.Body)
	}
	if now := clock.JSON200.Data.Now; now.Before(before.Add(-time.Second)) || now.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("clock at %s after a failed advance; want the offset of one hour kept (about %s)", now, before)
	}

	reset, err := s.admin.ResetWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	assertUnavailable(t, "Reset", reset.StatusCode(), reset.HTTPResponse.Header, reset.Body, "clock")
	if err := s.Reset(); !errors.Is(err, errDown) {
		t.Errorf("Stub.Reset with the clock's offset down: %v, want its error", err)
	}

}
