package sessions

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// benchNow is a fixed instant for store benchmarks: no session ends during them.
var benchNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// filledStore returns a store holding n live key sessions and their IDs.
func filledStore(n int) (*Memory, []ID) {
	m := NewMemory(0)
	ids := make([]ID, n)
	for i := range ids {
		ids[i] = NewID()
		_ = m.Add(ctx, ids[i], benchKeySession)
	}
	return m, ids
}

var (
	ctx         = context.Background()
	benchHolder = &Holder{Username: "maytemplate", Organisation: "ps_dev", Unit: "1"}
	// benchKeySession is a key token's session, as the stub opens it.
	benchKeySession = Session{Method: MethodWebAPIKey, Holder: benchHolder, IssuedAt: benchNow.UnixNano(),
		LastUse: benchNow.UnixNano(), Deadline: benchNow.Add(2 * time.Hour).UnixNano()}
)

// BenchmarkSessionStore measures the store's operations on a store of 100,000 sessions: Add
// (a new session), Use (a login session's idle time restarted, the token check's path) and
// Release, alone and from all CPUs at once (lock contention between shards).
func BenchmarkSessionStore(b *testing.B) {
	login := benchKeySession
	login.Method, login.Deadline, login.Idle = MethodLogin, benchNow.Add(time.Hour).UnixNano(), time.Hour
	b.Run("add", func(b *testing.B) {
		m, _ := filledStore(100_000)
		b.ReportAllocs()
		for b.Loop() {
			_ = m.Add(ctx, NewID(), login)
		}
	})
	b.Run("use", func(b *testing.B) {
		m, ids := filledStore(100_000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if st, _ := m.Use(ctx, ids[i%len(ids)], benchNow); st != StateLive {
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
			i := int(NewID()[0]) // each goroutine starts elsewhere
			for pb.Next() {
				_, _ = m.Use(ctx, ids[i%len(ids)], benchNow)
				i++
			}
		})
	})
	b.Run("release", func(b *testing.B) {
		m, ids := filledStore(max(b.N, 1))
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_, _ = m.End(ctx, ids[i], benchNow, StateReleased)
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
	m := NewMemory(0)
	for range n {
		_ = m.Add(ctx, NewID(), benchKeySession)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if held, _ := m.Len(ctx); held != n {
		panic(fmt.Sprintf("store holds %d sessions, want %d", held, n))
	}
	runtime.KeepAlive(m)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
