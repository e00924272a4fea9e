package journal_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/journal/journaltest"
)

func TestMemoryContract(t *testing.T) {
	journaltest.Run(t, func(_ *testing.T, size int) journal.Store { return journal.NewMemory(size) })
}

// Once the ring is full, Append allocates nothing: the journal costs a request no allocation.
func TestMemoryAppendAllocatesNothingWhenFull(t *testing.T) {
	m := journal.NewMemory(16)
	e := journal.Entry{Time: time.Now(), Operation: "Login", Method: "POST", Path: "/x", Status: 200, Code: "OK"}
	ctx := context.Background()
	for range 16 {
		_ = m.Append(ctx, e)
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.Append(ctx, e) }); n != 0 {
		t.Fatalf("Append allocates %v times per call", n)
	}
}

func TestMemoryDefaultSize(t *testing.T) {
	if got := journal.NewMemory(0).Size(); got != journal.DefaultSize {
		t.Fatalf("Size %d, want %d", got, journal.DefaultSize)
	}
}

// BenchmarkMemoryAppend is the journal's own cost per request once the ring is full.
func BenchmarkMemoryAppend(b *testing.B) {
	m := journal.NewMemory(journal.DefaultSize)
	e := journal.Entry{Time: time.Now(), Operation: "Login", Method: "POST", Path: "/x", Status: 200, Code: "OK"}
	ctx := context.Background()
	for range journal.DefaultSize {
		_ = m.Append(ctx, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = m.Append(ctx, e)
	}
}
