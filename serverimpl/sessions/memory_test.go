package sessions_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/sessions/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) sessions.Store { return sessions.NewMemory(0) })
}

// A bounded store refuses beyond its live sessions, and ended or past sessions free places.
func TestMemoryLimit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := sessions.NewMemory(3)
	s := sessions.Session{IssuedAt: now.UnixNano(), Deadline: now.Add(time.Hour).UnixNano()}
	ids := []sessions.ID{{1}, {2}, {3}}
	for _, id := range ids {
		if err := m.Add(ctx, id, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Add(ctx, sessions.ID{4}, s); err != sessions.ErrLimit {
		t.Fatalf("fourth Add: %v, want ErrLimit", err)
	}
	if _, err := m.End(ctx, ids[0], now, sessions.StateReleased); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(ctx, sessions.ID{4}, s); err != nil {
		t.Fatalf("Add after a release: %v", err)
	}
	if m.Live() != 3 {
		t.Fatalf("Live %d, want 3", m.Live())
	}
	// An hour later every session has ended: the forced sweep makes room.
	later := now.Add(time.Hour + time.Second)
	next := sessions.Session{IssuedAt: later.UnixNano(), Deadline: later.Add(time.Hour).UnixNano()}
	if err := m.Add(ctx, sessions.ID{5}, next); err != nil {
		t.Fatalf("Add after every session ended: %v", err)
	}
	if n, _ := m.Len(ctx); n != 1 {
		t.Fatalf("Len %d after the sweep, want 1", n)
	}
}

func TestIDString(t *testing.T) {
	ids := []sessions.ID{{}, {0xff, 0xfe, 0x0a, 0xa0, 0x09, 0x90}, sessions.NewID()}
	for _, id := range ids {
		s := id.String()
		back, ok := sessions.ParseID(s)
		if !ok || back != id {
			t.Fatalf("ParseID(%q) = %v, %v", s, back, ok)
		}
	}
	for _, bad := range []string{"", "f586b288048a4100b749e62f47dfc844", "F586B288048A4100B749E62F47DFC84", "F586B288048A4100B749E62F47DFC84G"} {
		if _, ok := sessions.ParseID(bad); ok {
			t.Fatalf("ParseID(%q) accepted", bad)
		}
	}
}
