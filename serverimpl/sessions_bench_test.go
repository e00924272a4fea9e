package serverimpl

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// benchNow is a fixed instant for store benchmarks: no session ends during them.
var benchNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// filledStore returns a store holding n live key sessions and their IDs.
func filledStore(n int) (*MemorySessionStore, []SessionID) {
	m := NewMemorySessionStore()
	ids := make([]SessionID, n)
	s := Session{Deadline: benchNow.Add(DefaultKeyTokenLifetime).UnixNano()}
	for i := range ids {
		ids[i] = newSessionID()
		_ = m.Add(ids[i], s, benchNow)
	}
	return m, ids
}

// BenchmarkSessionStore measures the store's operations on a store of 100,000 sessions: Add
// (a new session), Use (a login session's idle time restarted, the token check's path) and
// Release, alone and from all CPUs at once (lock contention between shards).
func BenchmarkSessionStore(b *testing.B) {
	login := Session{Deadline: benchNow.Add(DefaultLoginIdleTimeout).UnixNano(), Idle: DefaultLoginIdleTimeout}
	b.Run("add", func(b *testing.B) {
		m, _ := filledStore(100_000)
		b.ReportAllocs()
		for b.Loop() {
			_ = m.Add(newSessionID(), login, benchNow)
		}
	})
	b.Run("use", func(b *testing.B) {
		m, ids := filledStore(100_000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if m.Use(ids[i%len(ids)], benchNow) != SessionLive {
				b.Fatal("session not live")
			}
			i++
		}
	})
	b.Run("use/parallel", func(b *testing.B) {
		m, ids := filledStore(100_000)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(newSessionID()[0]) // each goroutine starts elsewhere
			for pb.Next() {
				m.Use(ids[i%len(ids)], benchNow)
				i++
			}
		})
	})
	b.Run("release", func(b *testing.B) {
		m, ids := filledStore(max(b.N, 1))
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			m.Release(ids[i], benchNow)
		}
	})
}

// BenchmarkSessionHeap reports the heap each live session costs (B/session) with 100,000 and
// 1,000,000 sessions in the store: live heap after a GC, before and after filling it. The
// budget is 300 bytes. -short skips the million.
func BenchmarkSessionHeap(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("-short: only 100,000 sessions")
			}
			var perSession float64
			for range b.N {
				perSession = heapPerSession(n)
			}
			b.ReportMetric(perSession, "B/session")
		})
	}
}

func heapPerSession(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewMemorySessionStore()
	s := Session{Deadline: benchNow.Add(DefaultKeyTokenLifetime).UnixNano()}
	for range n {
		_ = m.Add(newSessionID(), s, benchNow)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if m.Len() != n {
		panic(fmt.Sprintf("store holds %d sessions, want %d", m.Len(), n))
	}
	runtime.KeepAlive(m)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
