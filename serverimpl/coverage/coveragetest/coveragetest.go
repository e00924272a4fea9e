// Package coveragetest is the contract of coverage.Store as a test suite, in the manner of
// testing/fstest: every implementation runs the same cases with one line,
//
//	coveragetest.Run(t, func(t *testing.T) coverage.Store { return newStore(t) })
//
// newStore must return a store with every count zero, that no other test uses at the same time.
package coveragetest

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/coverage"
)

// Run runs the whole contract against the stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T) coverage.Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s coverage.Store)
	}{
		{"Counts", counts},
		{"SnapshotIsACopy", snapshotIsACopy},
		{"Clear", clearAll},
		{"ConcurrentAdds", concurrentAdds},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

var ctx = context.Background()

func add(t *testing.T, s coverage.Store, operation string, status int, code string) {
	t.Helper()
	if err := s.Add(ctx, operation, status, code); err != nil {
		t.Fatalf("Add: %v", err)
	}
}

func snapshot(t *testing.T, s coverage.Store) map[coverage.Key]int64 {
	t.Helper()
	m, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return m
}

func same(t *testing.T, what string, got, want map[coverage.Key]int64) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

func counts(t *testing.T, s coverage.Store) {
	same(t, "empty", snapshot(t, s), map[coverage.Key]int64{})
	add(t, s, "Login", 200, "OK")
	add(t, s, "Login", 200, "OK")
	add(t, s, "Login", 401, "INVALID_CREDENTIALS")
	add(t, s, "ReleaseToken", 401, "INVALID_TOKEN")
	add(t, s, "ReleaseToken", 401, "TOKEN_EXPIRED")
	add(t, s, "ReleaseToken", 200, "OK")
	same(t, "after six", snapshot(t, s), map[coverage.Key]int64{
		key("Login", 200, "OK"):                   2,
		key("Login", 401, "INVALID_CREDENTIALS"):  1,
		key("ReleaseToken", 401, "INVALID_TOKEN"): 1,
		key("ReleaseToken", 401, "TOKEN_EXPIRED"): 1,
		key("ReleaseToken", 200, "OK"):            1,
	})
}

func snapshotIsACopy(t *testing.T, s coverage.Store) {
	add(t, s, "Login", 200, "OK")
	m := snapshot(t, s)
	m[key("Login", 200, "OK")] = 99
	add(t, s, "Login", 200, "OK")
	same(t, "after changing a snapshot", snapshot(t, s), map[coverage.Key]int64{key("Login", 200, "OK"): 2})
}

func clearAll(t *testing.T, s coverage.Store) {
	add(t, s, "Login", 200, "OK")
	add(t, s, "Login", 429, "TOO_MANY_REQUESTS")
	if err := s.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	same(t, "after Clear", snapshot(t, s), map[coverage.Key]int64{})
	add(t, s, "Login", 429, "TOO_MANY_REQUESTS")
	same(t, "after Clear and one Add", snapshot(t, s), map[coverage.Key]int64{key("Login", 429, "TOO_MANY_REQUESTS"): 1})
}

// Writers racing on one store lose no count (run it under -race).
func concurrentAdds(t *testing.T, s coverage.Store) {
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			status, code := 200, "OK"
			if w%2 == 1 {
				status, code = 401, "INVALID_CREDENTIALS"
			}
			for range each {
				if err := s.Add(ctx, "Login", status, code); err != nil {
					t.Errorf("Add: %v", err)
					return
				}
			}
		})
	}
	for range 10 {
		if _, err := s.Snapshot(ctx); err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
	}
	wg.Wait()
	same(t, "after racing writers", snapshot(t, s), map[coverage.Key]int64{
		key("Login", 200, "OK"):                  writers / 2 * each,
		key("Login", 401, "INVALID_CREDENTIALS"): writers / 2 * each,
	})
}

func key(operation string, status int, code string) coverage.Key {
	return coverage.Key{Operation: operation, Status: status, Code: code}
}
