// Package storetest is the contract of sessions.Store as a test suite, in the manner of
// testing/fstest: every implementation runs the same cases with one line,
//
//	storetest.Run(t, func(t *testing.T) sessions.Store { return newStore(t) })
//
// newStore must return an empty store that no other test uses at the same time.
package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// epoch is the instant the cases start at; stores must not read a clock of their own.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	jdoe     = &sessions.Holder{Username: "jdoe", Organisation: "ps_dev", Unit: "1"}
	consumer = &sessions.Holder{Username: "maytemplate", Organisation: "ps_dev", Unit: "1",
		Contact: "2695FED3FCFD4084AB39F44B18889123", AccountsReceivable: "261BF2B79198401D89A79C545F16CBEC"}
)

func login(at time.Time) sessions.Session {
	return sessions.Session{Method: sessions.MethodLogin, Holder: jdoe, IssuedAt: at.UnixNano(),
		Deadline: at.Add(time.Hour).UnixNano(), Idle: time.Hour}
}

func key(at time.Time) sessions.Session {
	return sessions.Session{Method: sessions.MethodConsumerApplicationKey, Holder: consumer,
		IssuedAt: at.UnixNano(), Deadline: at.Add(2 * time.Hour).UnixNano()}
}

// Run runs the whole contract against the stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s sessions.Store)
	}{
		{"AddAndUse", addAndUse},
		{"IdleTimeRestartsOnUse", idleTimeRestartsOnUse},
		{"FixedLifetimeIgnoresUse", fixedLifetimeIgnoresUse},
		{"Release", release},
		{"EndAsExpired", endAsExpired},
		{"EndAfterDeadline", endAfterDeadline},
		{"GetIsNotAUse", getIsNotAUse},
		{"HolderRoundTrip", holderRoundTrip},
		{"List", list},
		{"ListStops", listStops},
		{"Clear", clear},
		{"ConcurrentEndsOneWins", concurrentEndsOneWins},
		{"ConcurrentUse", concurrentUse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

var ctx = context.Background()

func add(t *testing.T, s sessions.Store, id sessions.ID, sess sessions.Session) {
	t.Helper()
	if err := s.Add(ctx, id, sess); err != nil {
		t.Fatalf("Add: %v", err)
	}
}

func use(t *testing.T, s sessions.Store, id sessions.ID, at time.Time, want ...sessions.State) {
	t.Helper()
	got, err := s.Use(ctx, id, at)
	if err != nil {
		t.Fatalf("Use: %v", err)
	}
	expect(t, "Use", got, want)
}

func end(t *testing.T, s sessions.Store, id sessions.ID, at time.Time, as sessions.State, want ...sessions.State) {
	t.Helper()
	got, err := s.End(ctx, id, at, as)
	if err != nil {
		t.Fatalf("End: %v", err)
	}
	expect(t, "End", got, want)
}

func expect(t *testing.T, op string, got sessions.State, want []sessions.State) {
	t.Helper()
	for _, w := range want {
		if got == w {
			return
		}
	}
	t.Fatalf("%s: state %s, want one of %v", op, got, want)
}

// gone is what a session past its deadline may be: expired, or already forgotten.
var gone = []sessions.State{sessions.StateExpired, sessions.StateUnknown}

func length(t *testing.T, s sessions.Store) int {
	t.Helper()
	n, err := s.Len(ctx)
	if err != nil {
		t.Fatalf("Len: %v", err)
	}
	return n
}

func addAndUse(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	use(t, s, id, epoch, sessions.StateUnknown)
	add(t, s, id, key(epoch))
	use(t, s, id, epoch, sessions.StateLive)
	use(t, s, sessions.NewID(), epoch, sessions.StateUnknown)
	if n := length(t, s); n != 1 {
		t.Fatalf("Len %d, want 1", n)
	}
}

func idleTimeRestartsOnUse(t *testing.T, s sessions.Store) {
	used, idle := sessions.NewID(), sessions.NewID()
	add(t, s, used, login(epoch))
	add(t, s, idle, login(epoch))
	for m := 50; m <= 200; m += 50 { // a use every 50 minutes keeps it alive past the hour
		use(t, s, used, epoch.Add(time.Duration(m)*time.Minute), sessions.StateLive)
	}
	_, _, err := s.Get(ctx, used, epoch)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.Get(ctx, used, epoch.Add(200*time.Minute))
	if want := epoch.Add(260 * time.Minute).UnixNano(); got.Deadline != want || got.LastUse != epoch.Add(200*time.Minute).UnixNano() {
		t.Fatalf("after a use at 200 min: deadline %v, last use %v; want deadline %v",
			sessions.Time(got.Deadline), sessions.Time(got.LastUse), sessions.Time(want))
	}
	use(t, s, used, epoch.Add(260*time.Minute), gone...) // an hour after the last use, it is over
	use(t, s, idle, epoch.Add(59*time.Minute), sessions.StateLive)
	use(t, s, idle, epoch.Add(59*time.Minute+time.Hour), gone...)
}

func fixedLifetimeIgnoresUse(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	add(t, s, id, key(epoch))
	use(t, s, id, epoch.Add(119*time.Minute), sessions.StateLive)
	use(t, s, id, epoch.Add(120*time.Minute), gone...) // the deadline itself is past it
}

func release(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	add(t, s, id, login(epoch))
	end(t, s, id, epoch.Add(time.Minute), sessions.StateReleased, sessions.StateLive)
	use(t, s, id, epoch.Add(2*time.Minute), sessions.StateReleased)
	end(t, s, id, epoch.Add(3*time.Minute), sessions.StateReleased, sessions.StateReleased)
	// A released session is kept until its deadline (the use after the release did not move it).
	if _, st, _ := s.Get(ctx, id, epoch.Add(59*time.Minute)); st != sessions.StateReleased {
		t.Fatalf("Get before the deadline: %s, want released", st)
	}
	use(t, s, id, epoch.Add(61*time.Minute), gone...)
	end(t, s, sessions.NewID(), epoch, sessions.StateReleased, sessions.StateUnknown)
}

func endAsExpired(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	add(t, s, id, key(epoch))
	end(t, s, id, epoch.Add(time.Minute), sessions.StateExpired, sessions.StateLive)
	use(t, s, id, epoch.Add(2*time.Minute), sessions.StateExpired)
	end(t, s, id, epoch.Add(3*time.Minute), sessions.StateReleased, sessions.StateExpired)
}

func endAfterDeadline(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	add(t, s, id, key(epoch))
	end(t, s, id, epoch.Add(2*time.Hour), sessions.StateReleased, gone...)
}

func getIsNotAUse(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	add(t, s, id, login(epoch))
	got, st, err := s.Get(ctx, id, epoch.Add(30*time.Minute))
	if err != nil || st != sessions.StateLive {
		t.Fatalf("Get: %s, %v", st, err)
	}
	if got.LastUse != epoch.UnixNano() || got.Deadline != epoch.Add(time.Hour).UnixNano() {
		t.Fatalf("Get moved the session: last use %v, deadline %v", sessions.Time(got.LastUse), sessions.Time(got.Deadline))
	}
	use(t, s, id, epoch.Add(61*time.Minute), gone...)
	if _, st, _ := s.Get(ctx, sessions.NewID(), epoch); st != sessions.StateUnknown {
		t.Fatalf("Get of an unknown ID: %s", st)
	}
}

func holderRoundTrip(t *testing.T, s sessions.Store) {
	id := sessions.NewID()
	want := key(epoch)
	add(t, s, id, want)
	got, _, err := s.Get(ctx, id, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if got.Holder == nil || *got.Holder != *want.Holder || got.Method != want.Method ||
		got.IssuedAt != want.IssuedAt || got.LastUse != want.IssuedAt || got.Deadline != want.Deadline || got.Idle != 0 {
		t.Fatalf("Get = %+v (holder %+v), want %+v (holder %+v)", got, got.Holder, want, want.Holder)
	}
}

func list(t *testing.T, s sessions.Store) {
	live, released, expired := sessions.NewID(), sessions.NewID(), sessions.NewID()
	add(t, s, live, login(epoch))
	add(t, s, released, key(epoch))
	add(t, s, expired, key(epoch))
	end(t, s, released, epoch, sessions.StateReleased, sessions.StateLive)
	end(t, s, expired, epoch, sessions.StateExpired, sessions.StateLive)
	seen := map[sessions.ID]sessions.State{}
	err := s.List(ctx, epoch.Add(time.Minute), func(id sessions.ID, sess sessions.Session, st sessions.State) bool {
		if sess.Holder == nil || sess.Holder.Username == "" {
			t.Errorf("List: session %s without its holder", id)
		}
		seen[id] = st
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[sessions.ID]sessions.State{live: sessions.StateLive, released: sessions.StateReleased, expired: sessions.StateExpired}
	if len(seen) != len(want) {
		t.Fatalf("List saw %d sessions, want %d", len(seen), len(want))
	}
	for id, st := range want {
		if seen[id] != st {
			t.Fatalf("List: %s is %s, want %s", id, seen[id], st)
		}
	}
}

func listStops(t *testing.T, s sessions.Store) {
	for range 10 {
		add(t, s, sessions.NewID(), key(epoch))
	}
	calls := 0
	if err := s.List(ctx, epoch, func(sessions.ID, sessions.Session, sessions.State) bool { calls++; return calls < 3 }); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Fatalf("List called fn %d times after it returned false on the third", calls)
	}
}

func clear(t *testing.T, s sessions.Store) {
	ids := []sessions.ID{sessions.NewID(), sessions.NewID()}
	for _, id := range ids {
		add(t, s, id, login(epoch))
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if n := length(t, s); n != 0 {
		t.Fatalf("Len %d after Clear", n)
	}
	for _, id := range ids {
		use(t, s, id, epoch, sessions.StateUnknown)
	}
	add(t, s, ids[0], login(epoch)) // and the store still works
	use(t, s, ids[0], epoch, sessions.StateLive)
}

// concurrentEndsOneWins: of many racing releases of one session, exactly one finds it live —
// what makes a token released exactly once however many replicas race.
func concurrentEndsOneWins(t *testing.T, s sessions.Store) {
	const racers = 16
	for round := range 20 {
		id := sessions.NewID()
		add(t, s, id, key(epoch))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				st, err := s.End(ctx, id, epoch, sessions.StateReleased)
				if err != nil {
					t.Error(err)
				}
				if st == sessions.StateLive {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if w := wins.Load(); w != 1 {
			t.Fatalf("round %d: %d of %d racing releases found the session live, want exactly 1", round, w, racers)
		}
	}
}

// concurrentUse: many goroutines adding, using and releasing their own sessions lose nothing.
func concurrentUse(t *testing.T, s sessions.Store) {
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range each {
				id := sessions.NewID()
				at := epoch.Add(time.Duration(i) * time.Millisecond)
				if err := s.Add(ctx, id, login(at)); err != nil {
					t.Error(err)
					return
				}
				if st, err := s.Use(ctx, id, at); err != nil || st != sessions.StateLive {
					t.Errorf("Use of a new session: %s, %v", st, err)
					return
				}
				if i%2 == 0 {
					if st, err := s.End(ctx, id, at, sessions.StateReleased); err != nil || st != sessions.StateLive {
						t.Errorf("End of a live session: %s, %v", st, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := length(t, s); n != workers*each {
		t.Fatalf("Len %d, want %d", n, workers*each)
	}
}
