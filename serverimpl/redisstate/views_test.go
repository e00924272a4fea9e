package redisstate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/coverage/coveragetest"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/journal/journaltest"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

func TestJournalContract(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	journaltest.Run(t, func(t *testing.T, size int) journal.Store {
		return open(t, srv.URL(), redisstate.Config{}).Journal(size)
	})
}

func TestCoverageContract(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	coveragetest.Run(t, func(t *testing.T) coverage.Store {
		return open(t, srv.URL(), redisstate.Config{}).Coverage()
	})
}

// recordingOnce is one counted answer, as the stub records a refused login.
var recordingOnce = journal.Entry{Time: time.Unix(1772366400, 0), Operation: "Login", Method: "POST",
	Path: "/crmapi/rest/v2/authentication/token", Status: 401, Code: "INVALID_CREDENTIALS"}

// checkRecorder: Record puts the entry in the journal and counts its answer, in a store
// shared by whoever reads it.
func checkRecorder(t *testing.T, st *redisstate.State) {
	t.Helper()
	j := st.Journal(0)
	if err := st.Recorder(j).Record(ctx, recordingOnce, true); err != nil {
		t.Fatal(err)
	}
	if n, err := j.Count(ctx, journal.Filter{Operation: "Login", Status: 401}); err != nil || n != 1 {
		t.Fatalf("journal holds %d such entries (%v), want 1", n, err)
	}
	given, err := st.Coverage().Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := given[coverage.Key{Operation: "Login", Status: 401, Code: "INVALID_CREDENTIALS"}]; n != 1 {
		t.Fatalf("coverage counts %d, want 1: %v", n, given)
	}
}

// A request's journal entry and its coverage count cost one command from the stub, one
// script, where Append and Add sent two (sentDuring: MONITOR).
func TestRecorderOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	st := open(t, srv.URL(), redisstate.Config{})
	rec := st.Recorder(st.Journal(0))
	// A first record opens the client's connections and loads the script (EVALSHA, then EVAL):
	// once per client and server, not per request.
	if err := rec.Record(ctx, recordingOnce, false); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, line := range sentDuring(t, srv.Addr, func() {
		if err := rec.Record(ctx, recordingOnce, true); err != nil {
			t.Fatal(err)
		}
	}) {
		if !handshake(line) {
			sent = append(sent, line)
		}
	}
	if len(sent) != 1 || !strings.Contains(sent[0], `"EVALSHA"`) {
		t.Fatalf("Record sent %d commands: %q; want one script", len(sent), sent)
	}
	checkRecorder(t, open(t, srv.URL(), redisstate.Config{}))
}
