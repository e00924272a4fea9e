package redisstate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// The admin views describe the whole fleet from any replica: a request answered by A is in
// B's journal and coverage, a session issued by A is in B's list; and a reset on B is a reset
// of A too: no sessions, no failure counts, the clock's offset zero, journal and coverage empty.
func TestReplicasShareTheAdminViews(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	three := func(o *serverimpl.Options) { o.Throttle.MaxFailures = 3 }
	a := startReplica(t, srv.URL(), prefix, three)
	b := startReplica(t, srv.URL(), prefix, three)

	token := a.keyToken(t)
	for range 3 {
		if got := a.login(t, "wrong"); got.status != 401 {
			t.Fatalf("wrong password on A: %d %s", got.status, got.code)
		}
	}
	if got := a.login(t, "s3cret-Passw0rd"); got.status != 429 {
		t.Fatalf("right password on A after 3 failures (limit 3): %d %s", got.status, got.code)
	}
	if got := a.do(t, "POST", serverimpl.AdminClockAdvancePath, `{"seconds": 60}`); got.status != 200 {
		t.Fatalf("advance on A: %d %s %s", got.status, got.code, got.message)
	}

	// B sees A's requests, answers and session.
	entries, err := b.Requests(journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEntries(entries, "GetWebApiKeyToken", 200); n != 1 {
		t.Fatalf("B's journal has %d GetWebApiKeyToken 200 entries, want A's 1: %+v", n, entries)
	}
	if n := countEntries(entries, "Login", 401); n != 3 {
		t.Fatalf("B's journal has %d Login 401 entries, want A's 3", n)
	}
	report, err := b.Coverage()
	if err != nil {
		t.Fatal(err)
	}
	if n := given(report, "Login", 401, "INVALID_CREDENTIALS"); n != 3 {
		t.Fatalf("B's coverage counts Login 401 INVALID_CREDENTIALS %d times, want A's 3", n)
	}
	if n := given(report, "GetWebApiKeyToken", 200, "OK"); n != 1 {
		t.Fatalf("B's coverage counts GetWebApiKeyToken 200 OK %d times, want A's 1", n)
	}
	if list, err := b.Sessions(); err != nil || len(list) != 1 {
		t.Fatalf("B's sessions: %d (%v), want A's 1", len(list), err)
	}

	// A reset on B empties A's views and forgets A's state.
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if entries, err := a.Requests(journal.Filter{}); err != nil || len(entries) != 0 {
		t.Fatalf("A's journal after the reset on B: %d entries (%v)", len(entries), err)
	}
	report, err = a.Coverage()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range report.Operations {
		for _, ans := range op.Answers {
			if ans.Count != 0 {
				t.Fatalf("A's coverage after the reset on B: %s %d %s counted %d", op.Operation, ans.Status, ans.Code, ans.Count)
			}
		}
	}
	if list, err := a.Sessions(); err != nil || len(list) != 0 {
		t.Fatalf("A's sessions after the reset on B: %d (%v)", len(list), err)
	}
	// A's clock: the reset's notification arrives within milliseconds, and A reads the
	// offset every DefaultClockRefresh anyway.
	deadline := time.Now().Add(2 * time.Second)
	for time.Until(a.Clock().Now()) > 30*time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("A's clock is %v ahead 2 s after the reset on B", time.Until(a.Clock().Now()))
		}
		time.Sleep(5 * time.Millisecond) // polling for the property under test: the bounded delay
	}
	if _, err := a.CheckToken(token); err == nil || !strings.Contains(err.Error(), "INVALID_TOKEN") {
		t.Fatalf("A's token on A after the reset on B: %v, want unknown", err)
	}
	if got := a.login(t, "s3cret-Passw0rd"); got.status != 200 {
		t.Fatalf("right password on A after the reset on B cleared the failure counts: %d %s", got.status, got.code)
	}
}

func countEntries(entries []journal.Entry, operation string, status int) int {
	n := 0
	for _, e := range entries {
		if e.Operation == operation && e.Status == status {
			n++
		}
	}
	return n
}

func given(r coverage.Report, operation string, status int, code string) int64 {
	for _, op := range r.Operations {
		if op.Operation != operation {
			continue
		}
		for _, a := range op.Answers {
			if a.Status == status && a.Code == code {
				return a.Count
			}
		}
	}
	return 0
}
