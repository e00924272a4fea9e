// Package journaltest is the contract of journal.Store as a test suite, in the manner of
// testing/fstest: every implementation runs the same cases with one line,
//
//	journaltest.Run(t, func(t *testing.T, size int) journal.Store { return newStore(t, size) })
//
// newStore must return an empty store keeping the newest size entries, that no other test uses
// at the same time.
package journaltest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// epoch is the instant the cases start at; stores must not read a clock of their own.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	jdoe     = &sessions.Holder{Username: "jdoe", Organisation: "ps_dev", Unit: "1"}
	consumer = &sessions.Holder{Username: "maytemplate", Organisation: "ps_dev", Unit: "1",
		Contact: "2695FED3FCFD4084AB39F44B18889123", AccountsReceivable: "261BF2B79198401D89A79C545F16CBEC"}
	sessionA = sessions.ID{0xA}
	sessionB = sessions.ID{0xB}
)

// Run runs the whole contract against the stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T, size int) journal.Store) {
	cases := []struct {
		name string
		size int
		run  func(t *testing.T, s journal.Store)
	}{
		{"RoundTrip", 10, roundTrip},
		{"NewestFirst", 10, newestFirst},
		{"Filters", 100, filters},
		{"Limit", 100, limit},
		{"Bound", 5, bound},
		{"Clear", 10, clearAll},
		{"ConcurrentAppends", 1000, concurrentAppends},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t, c.size)) })
	}
}

var ctx = context.Background()

func appendEntry(t *testing.T, s journal.Store, e journal.Entry) {
	t.Helper()
	if err := s.Append(ctx, e); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

func list(t *testing.T, s journal.Store, f journal.Filter) []journal.Entry {
	t.Helper()
	got, err := s.List(ctx, f)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func count(t *testing.T, s journal.Store, f journal.Filter) int {
	t.Helper()
	n, err := s.Count(ctx, f)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

// numbered is the i-th of a run of entries, a second apart; its Path says i.
func numbered(i int) journal.Entry {
	return journal.Entry{Time: epoch.Add(time.Duration(i) * time.Second), Operation: "Login", Method: "POST",
		Path: fmt.Sprintf("/crmapi/rest/v2/authentication/token#%d", i), Status: 200, Code: "OK", Client: "127.0.0.1"}
}

func paths(es []journal.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out
}

func samePaths(t *testing.T, what string, got []journal.Entry, want ...int) {
	t.Helper()
	w := make([]string, len(want))
	for i, n := range want {
		w[i] = numbered(n).Path
	}
	if fmt.Sprint(paths(got)) != fmt.Sprint(w) {
		t.Fatalf("%s: %v, want %v", what, paths(got), w)
	}
}

// Every field comes back as it went in (the instant compared with Equal: a store may keep it
// in another location).
func roundTrip(t *testing.T, s journal.Store) {
	full := journal.Entry{Time: epoch, Operation: "GetConsumerApplicationKeyToken", Method: "POST",
		Path: "/crmapi/rest/v2/authentication/consumer_application_key/token", Status: 401,
		Code: "INVALID_ACCESS_TOKEN_IDENTIFIER", Session: sessionA, HasSession: true, Holder: consumer,
		Latency: 1500 * time.Microsecond, Fault: "INVALID_ACCESS_TOKEN_IDENTIFIER", Client: "::1",
		Reason: "authentication code does not match for maytemplate@ps_dev", Upstream: "127.0.0.1:4010"}
	bare := journal.Entry{Time: epoch.Add(time.Second), Method: "GET", Path: "/healthz", Status: 200}
	appendEntry(t, s, full)
	appendEntry(t, s, bare)
	got := list(t, s, journal.Filter{})
	if len(got) != 2 {
		t.Fatalf("List: %d entries, want 2", len(got))
	}
	check := func(got, want journal.Entry) {
		t.Helper()
		if !got.Time.Equal(want.Time) {
			t.Fatalf("Time %v, want %v", got.Time, want.Time)
		}
		if (got.Holder == nil) != (want.Holder == nil) || got.Holder != nil && *got.Holder != *want.Holder {
			t.Fatalf("Holder %+v, want %+v", got.Holder, want.Holder)
		}
		got.Time, want.Time, got.Holder, want.Holder = time.Time{}, time.Time{}, nil, nil
		if got != want {
			t.Fatalf("entry\n %+v\nwant\n %+v", got, want)
		}
	}
	check(got[0], bare)
	check(got[1], full)
}

func newestFirst(t *testing.T, s journal.Store) {
	if got := list(t, s, journal.Filter{}); len(got) != 0 {
		t.Fatalf("empty journal lists %d entries", len(got))
	}
	for i := range 4 {
		appendEntry(t, s, numbered(i))
	}
	samePaths(t, "List", list(t, s, journal.Filter{}), 3, 2, 1, 0)
}

func filters(t *testing.T, s journal.Store) {
	// 0..9 Login OK on session A; 10..14 ReleaseToken 401 on session B; 15..19 /healthz.
	for i := range 20 {
		e := numbered(i)
		switch {
		case i < 10:
			e.Session, e.HasSession, e.Holder = sessionA, true, jdoe
		case i < 15:
			e.Operation, e.Status, e.Code, e.Session, e.HasSession = "ReleaseToken", 401, "INVALID_TOKEN", sessionB, true
			e.Reason = "released at 12:00:09 by token/release"
			if i == 14 {
				e.Reason = "Token Expired: unused for 61 minutes"
			}
		default:
			e.Operation, e.Method, e.Path, e.Status, e.Code = "", "GET", "/healthz", 200, ""
		}
		appendEntry(t, s, e)
	}
	b := sessionB
	none := sessions.ID{0xC}
	for _, c := range []struct {
		name string
		f    journal.Filter
		want int
	}{
		{"all", journal.Filter{}, 20},
		{"operation", journal.Filter{Operation: "Login"}, 10},
		{"path of no operation", journal.Filter{Operation: "/healthz"}, 5},
		{"status", journal.Filter{Status: 401}, 5},
		{"status 200", journal.Filter{Status: 200}, 15},
		{"code", journal.Filter{Code: "OK"}, 10},
		{"session", journal.Filter{Session: &b}, 5},
		{"unknown session", journal.Filter{Session: &none}, 0},
		{"since (inclusive)", journal.Filter{Since: epoch.Add(12 * time.Second)}, 8},
		{"reason (words it contains)", journal.Filter{Reason: "by token/release"}, 4},
		{"reason (ignoring case)", journal.Filter{Reason: "token EXPIRED"}, 1},
		{"reason no entry has", journal.Filter{Reason: "wrong password"}, 0},
		{"all of them", journal.Filter{Operation: "ReleaseToken", Status: 401, Code: "INVALID_TOKEN", Session: &b, Since: epoch.Add(14 * time.Second), Reason: "expired"}, 1},
		{"none", journal.Filter{Operation: "Login", Status: 401}, 0},
	} {
		if n := count(t, s, c.f); n != c.want {
			t.Errorf("%s: Count %d, want %d", c.name, n, c.want)
		}
		got := list(t, s, c.f)
		if len(got) != c.want {
			t.Errorf("%s: List %d entries, want %d", c.name, len(got), c.want)
		}
		for _, e := range got {
			if !c.f.Match(&e) {
				t.Errorf("%s: List returned %+v, which the filter does not match", c.name, e)
			}
		}
	}
}

func limit(t *testing.T, s journal.Store) {
	for i := range 10 {
		appendEntry(t, s, numbered(i))
	}
	samePaths(t, "Limit 3", list(t, s, journal.Filter{Limit: 3}), 9, 8, 7)
	samePaths(t, "Limit 2 since 3s", list(t, s, journal.Filter{Limit: 2, Since: epoch.Add(3 * time.Second)}), 9, 8)
	if n := count(t, s, journal.Filter{Limit: 3}); n != 10 {
		t.Fatalf("Count with Limit 3: %d, want 10 (Count ignores Limit)", n)
	}
	if got := list(t, s, journal.Filter{Limit: 50}); len(got) != 10 {
		t.Fatalf("Limit above the count: %d entries, want 10", len(got))
	}
}

// A store of size 5 keeps the newest 5 of 12, however many times the ring wraps.
func bound(t *testing.T, s journal.Store) {
	for i := range 12 {
		appendEntry(t, s, numbered(i))
	}
	samePaths(t, "List", list(t, s, journal.Filter{}), 11, 10, 9, 8, 7)
	if n := count(t, s, journal.Filter{}); n != 5 {
		t.Fatalf("Count %d, want 5", n)
	}
}

func clearAll(t *testing.T, s journal.Store) {
	for i := range 3 {
		appendEntry(t, s, numbered(i))
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if n := count(t, s, journal.Filter{}); n != 0 {
		t.Fatalf("Count after Clear: %d", n)
	}
	appendEntry(t, s, numbered(7))
	samePaths(t, "List after Clear and one Append", list(t, s, journal.Filter{}), 7)
}

// Writers racing on one store lose no entry (run it under -race).
func concurrentAppends(t *testing.T, s journal.Store) {
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := numbered(w*each + i)
				if err := s.Append(ctx, e); err != nil {
					t.Errorf("Append: %v", err)
					return
				}
			}
		})
	}
	for range 20 { // readers meanwhile
		if _, err := s.List(ctx, journal.Filter{Limit: 10}); err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	wg.Wait()
	if n := count(t, s, journal.Filter{}); n != writers*each {
		t.Fatalf("Count %d, want %d", n, writers*each)
	}
	seen := map[string]bool{}
	for _, e := range list(t, s, journal.Filter{}) {
		seen[e.Path] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct entries, want %d", len(seen), writers*each)
	}
}
