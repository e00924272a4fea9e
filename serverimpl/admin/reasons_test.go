package admin_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// A reason noted with journal.NoteReason while a request is answered reaches its entry over
// the admin routes, and the reason filter finds it by some of its words in any case; entries
// without a reason carry none.
func TestJournalReasonFromTheHook(t *testing.T) {
	const reason = "token expired: unused for 61 minutes, the limit is 60"
	s := startStub(t, func(o *serverimpl.Options) {
		o.Extensions = append(o.Extensions, serverimpl.Routes(func(e *echo.Echo, _ *serverimpl.Stub) {
			e.GET("/refuse", func(c echo.Context) error {
				journal.NoteReason(c.Request().Context(), reason)
				return c.String(http.StatusUnauthorized, "refused")
			})
		}))
	})
	if resp, err := http.Get(s.URL + "/refuse"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("GET /refuse: %v", err)
	}
	s.login(t, userName, userPassword)

	words := "UNUSED for 61"
	n, entries := listRequests(t, s, adminapi.ListRequestsParams{Reason: &words})
	if n != 1 || len(entries) != 1 || entries[0].Path != "/refuse" || entries[0].Reason == nil || *entries[0].Reason != reason {
		t.Fatalf("reason filter %q: %d entries %+v", words, n, entries)
	}
	if c := countRequests(t, s, adminapi.CountRequestsParams{Reason: &words}); c != 1 {
		t.Fatalf("count with reason filter: %d", c)
	}
	_, all := listRequests(t, s, adminapi.ListRequestsParams{})
	if len(all) != 2 || all[0].Reason != nil {
		t.Fatalf("the login's entry carries a reason: %+v", all)
	}
}

// A call the gateway passed on names the upstream that answered; a call it refused names none.
func TestJournalUpstreamOfAGatewayCall(t *testing.T) {
	up := newUpstream(t)
	u, _ := url.Parse(up.URL)
	s := startConforming(t, up.URL)
	live := s.loginToken(t)
	s.send(t, "GET", serverimpl.BasePath+"/contacts/list?token="+url.QueryEscape(live), "")
	s.send(t, "GET", serverimpl.BasePath+"/contacts/list", "")

	entries, err := s.Requests(journal.Filter{Operation: serverimpl.BasePath + "/contacts/list"})
	if err != nil || len(entries) != 2 {
		t.Fatalf("journal: %v %+v", err, entries)
	}
	if refused, passed := entries[0], entries[1]; passed.Status != 200 || passed.Upstream != u.Host || refused.Status != 401 || refused.Upstream != "" {
		t.Fatalf("passed on: %d upstream %q (want %q); refused: %d upstream %q", passed.Status, passed.Upstream, u.Host, refused.Status, refused.Upstream)
	}
}

// The clock goes back to real time (a settable clock to its start) without touching the
// sessions.
func TestClockResetRoute(t *testing.T) {
	s := startStub(t)
	s.login(t, userName, userPassword)
	if _, err := s.admin.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{Seconds: 3600}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.admin.ResetClockWithResponse(ctx)
	if err != nil || resp.JSON200 == nil || !resp.JSON200.Data.Now.Equal(epoch) {
		t.Fatalf("ResetClock: %v %s", err, resp.Body)
	}
	if !s.clock.Now().Equal(epoch) {
		t.Fatalf("clock %v after reset, want %v", s.clock.Now(), epoch)
	}
	if list, err := s.Sessions(); err != nil || len(list) != 1 {
		t.Fatalf("sessions after the clock's reset: %v %d, want the one login kept", err, len(list))
	}
}

// Until the decision notes a fuller reason, a refusal's reason is its answer's message: a
// second release of a token says it was released.
func TestRefusalReasonIsTheMessage(t *testing.T) {
	s := startStub(t)
	token, _ := s.login(t, userName, userPassword)
	s.release(t, token)
	if status, code := s.release(t, token); status != 401 || code != "INVALID_TOKEN" {
		t.Fatalf("second release: %d %s", status, code)
	}
	words := "released"
	_, entries := listRequests(t, s, adminapi.ListRequestsParams{Reason: &words})
	if len(entries) != 1 || entries[0].Code == nil || *entries[0].Code != "INVALID_TOKEN" {
		t.Fatalf("entries whose reason says released: %+v", entries)
	}
}
