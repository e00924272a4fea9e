package serverimpl_test

import (
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
)

func TestMemorySessionStoreStates(t *testing.T) {
	store := serverimpl.NewMemorySessionStore()
	now := epoch
	idle := serverimpl.SessionID{1}
	fixed := serverimpl.SessionID{2}
	if err := store.Add(idle, serverimpl.Session{Deadline: now.Add(time.Hour).UnixNano(), Idle: time.Hour}, now); err != nil {
		t.Fatal(err)
	}
	if err := store.Add(fixed, serverimpl.Session{Deadline: now.Add(2 * time.Hour).UnixNano()}, now); err != nil {
		t.Fatal(err)
	}
	expect := func(got, want serverimpl.SessionState) {
		t.Helper()
		if got != want {
			t.Fatalf("state %s, want %s", got, want)
		}
	}
	expect(store.Use(serverimpl.SessionID{3}, now), serverimpl.SessionUnknown)
	expect(store.Use(idle, now.Add(50*time.Minute)), serverimpl.SessionLive)
	expect(store.Use(idle, now.Add(100*time.Minute)), serverimpl.SessionLive) // the use at 50 min moved the deadline
	expect(store.Use(fixed, now.Add(119*time.Minute)), serverimpl.SessionLive)
	expect(store.Use(fixed, now.Add(120*time.Minute)), serverimpl.SessionExpired) // uses do not move it
	expect(store.Release(idle, now.Add(110*time.Minute)), serverimpl.SessionLive)
	expect(store.Use(idle, now.Add(111*time.Minute)), serverimpl.SessionReleased)
	expect(store.Release(idle, now.Add(112*time.Minute)), serverimpl.SessionReleased)
	if n := store.Len(); n != 1 {
		t.Fatalf("Len %d: the released session is kept until its deadline, the expired one is gone", n)
	}
	expect(store.Release(idle, now.Add(3*time.Hour)), serverimpl.SessionExpired)
	if n := store.Len(); n != 0 {
		t.Fatalf("Len %d after everything ended", n)
	}
}

// TestMemorySessionStoreConcurrent: many goroutines adding, using and releasing lose nothing
// (run with -race to check the locking too).
func TestMemorySessionStoreConcurrent(t *testing.T) {
	store := serverimpl.NewMemorySessionStore()
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := serverimpl.SessionID{byte(w), byte(i), byte(i >> 8)}
				if err := store.Add(id, serverimpl.Session{Deadline: epoch.Add(time.Hour).UnixNano(), Idle: time.Hour}, epoch); err != nil {
					t.Error(err)
					return
				}
				if s := store.Use(id, epoch); s != serverimpl.SessionLive {
					t.Errorf("use: %s", s)
				}
				if i%2 == 0 {
					if s := store.Release(id, epoch); s != serverimpl.SessionLive {
						t.Errorf("release: %s", s)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := store.Len(); n != workers*each {
		t.Fatalf("Len %d, want %d", n, workers*each)
	}
}
