package serverimpl_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

type clockAnswer struct {
	Data struct {
		Now  time.Time `json:"now"`
		Unix int64     `json:"unix"`
	} `json:"data"`
}

func advanceClock(t *testing.T, s *stub, body string) (*http.Response, []byte) {
	t.Helper()
	return s.do(t, http.MethodPost, serverimpl.AdminClockAdvancePath, "application/json", []byte(body))
}

func TestAdminClockExpiresTokens(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Admin = true })
	token := s.webAPIKeyToken(t)
	resp, body := advanceClock(t, s, `{"seconds": 7200}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var got clockAnswer
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(2 * time.Hour); !got.Data.Now.Equal(want) || got.Data.Unix != want.Unix() {
		t.Fatalf("clock answer %s, want %s", body, want)
	}
	checkToken(t, s, token, gen.ErrorCodeTokenExpired)

	resp, body = s.do(t, http.MethodGet, serverimpl.AdminClockPath, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"unix":`) {
		t.Fatalf("GET clock: %d %s", resp.StatusCode, body)
	}
}

// TestAdminClockOnRealTime: without a clock of its own, the stub with the admin route runs on
// real time plus whatever the route added.
func TestAdminClockOnRealTime(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Clock, o.Admin = nil, true })
	token := s.webAPIKeyToken(t)
	checkToken(t, s, token, "")
	before := time.Now()
	if resp, body := advanceClock(t, s, `{"seconds": 7201}`); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if now := s.Clock().Now(); now.Sub(before) < 2*time.Hour {
		t.Fatalf("clock shows %s, want two hours ahead of %s", now, before)
	}
	if _, err := s.CheckToken(token); err == nil {
		t.Fatal("key token still accepted two hours later")
	}
}

func TestAdminClockRefusesBadRequests(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Admin = true })
	for _, body := range []string{`{"seconds": -1}`, `{}`, `{"minutes": 5}`, `not json`, `{"seconds": 1e300}`} {
		resp, got := advanceClock(t, s, body)
		expectFailure(t, resp.StatusCode, got, 400, gen.ErrorCodeInvalidRequest, "")
	}
	if !s.clock.Now().Equal(epoch) {
		t.Fatal("a refused request moved the clock")
	}
}

func TestAdminClockOffByDefault(t *testing.T) {
	s := startStub(t)
	resp, body := advanceClock(t, s, `{"seconds": 7200}`)
	expectFailure(t, resp.StatusCode, body, 404, gen.ErrorCodeNotFound, "")
}

type frozenClock struct{}

func (frozenClock) Now() time.Time { return epoch }

func TestAdminClockNeedsAnAdvancingClock(t *testing.T) {
	if _, err := serverimpl.New(serverimpl.Options{Clock: frozenClock{}, Admin: true}); err == nil {
		t.Fatal("Admin accepted a clock it cannot advance")
	}
}
