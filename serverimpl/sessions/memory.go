package sessions

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// shards spreads sessions over locks so concurrent requests rarely wait for each other; IDs
// are random, so their first byte spreads them evenly.
const shards = 32

// sweepEvery bounds how often an Add sweeps ended sessions (by the stub's clock).
const sweepEvery = time.Minute

// forceSweepEvery bounds how often a full store sweeps before refusing, so a client hammering
// a full store cannot make every Add walk every session.
const forceSweepEvery = time.Second

// Memory is the in-memory Store: the stub's default, for one process.
type Memory struct {
	shards    [shards]shard
	lastSweep atomic.Int64 // Unix nanoseconds, by the stub's clock
	// live counts sessions neither ended nor known to have passed their deadline; maxLive
	// bounds it (0: no bound). Ended sessions are kept a while to answer how they ended, but
	// do not count.
	live      atomic.Int64
	maxLive   int64
	lastForce atomic.Int64 // the last sweep forced by a full store, Unix nanoseconds
}

type shard struct {
	mu       sync.Mutex
	sessions map[ID]Session
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store holding at most maxLive live sessions (0 or
// less: no bound); Add returns ErrLimit beyond it.
func NewMemory(maxLive int) *Memory {
	m := &Memory{maxLive: int64(max(maxLive, 0))}
	for i := range m.shards {
		m.shards[i].sessions = make(map[ID]Session)
	}
	return m
}

func (m *Memory) shard(id ID) *shard { return &m.shards[int(id[0])%shards] }

// Add implements Store. At most once a minute (by the stub's clock) an Add also sweeps ended
// sessions from every shard, so memory follows the number of live sessions without a
// background goroutine to stop.
func (m *Memory) Add(_ context.Context, id ID, s Session) error {
	t := s.IssuedAt
	if last := m.lastSweep.Load(); t-last >= int64(sweepEvery) && m.lastSweep.CompareAndSwap(last, t) {
		m.sweep(t)
	}
	if n := m.live.Add(1); m.maxLive > 0 && n > m.maxLive {
		m.live.Add(-1)
		last := m.lastForce.Load()
		if t-last < int64(forceSweepEvery) || !m.lastForce.CompareAndSwap(last, t) {
			return ErrLimit
		}
		m.sweep(t)
		if n := m.live.Add(1); n > m.maxLive {
			m.live.Add(-1)
			return ErrLimit
		}
	}
	if s.LastUse == 0 {
		s.LastUse = s.IssuedAt
	}
	s.Ended = StateLive
	sh := m.shard(id)
	sh.mu.Lock()
	if old, ok := sh.sessions[id]; ok && old.Ended == StateLive {
		m.live.Add(-1) // the same ID twice: one live session, not two
	}
	sh.sessions[id] = s
	sh.mu.Unlock()
	return nil
}

// forget deletes a session from its shard (whose lock the caller holds).
func (m *Memory) forget(sh *shard, id ID, s Session) {
	delete(sh.sessions, id)
	if s.Ended == StateLive {
		m.live.Add(-1)
	}
}

// sweep forgets sessions whose deadline passed before t, one shard at a time.
func (m *Memory) sweep(t int64) {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for k, v := range sh.sessions {
			if t >= v.Deadline {
				m.forget(sh, k, v)
			}
		}
		sh.mu.Unlock()
	}
}

// Use implements Store.
func (m *Memory) Use(_ context.Context, id ID, now time.Time) (State, error) {
	sh := m.shard(id)
	t := now.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.sessions[id]
	if !ok {
		return StateUnknown, nil
	}
	// A session past its deadline is kept until the next sweep (within a minute), not forgotten
	// here: the refusal's reason reads its last use (Get) right after.
	if st := s.StateAt(t); st != StateLive {
		return st, nil
	}
	s.LastUse = t
	if s.Idle > 0 {
		s.Deadline = t + int64(s.Idle)
	}
	sh.sessions[id] = s
	return StateLive, nil
}

// End implements Store.
func (m *Memory) End(_ context.Context, id ID, now time.Time, as State) (State, error) {
	sh := m.shard(id)
	t := now.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.sessions[id]
	if !ok {
		return StateUnknown, nil
	}
	st := s.StateAt(t)
	if st != StateLive {
		return st, nil // kept until the next sweep, as in Use
	}
	m.live.Add(-1)
	s.Ended, s.EndedAt = as, t
	sh.sessions[id] = s
	return StateLive, nil
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, id ID, now time.Time) (Session, State, error) {
	sh := m.shard(id)
	sh.mu.Lock()
	s, ok := sh.sessions[id]
	sh.mu.Unlock()
	if !ok {
		return Session{}, StateUnknown, nil
	}
	return s, s.StateAt(now.UnixNano()), nil
}

// List implements Store. It holds one shard's lock at a time, and not while fn runs.
func (m *Memory) List(_ context.Context, now time.Time, fn func(ID, Session, State) bool) error {
	t := now.UnixNano()
	type entry struct {
		id ID
		s  Session
	}
	var batch []entry
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		batch = batch[:0]
		for id, s := range sh.sessions {
			batch = append(batch, entry{id, s})
		}
		sh.mu.Unlock()
		for _, e := range batch {
			if !fn(e.id, e.s, e.s.StateAt(t)) {
				return nil
			}
		}
	}
	return nil
}

// Clear implements Store.
func (m *Memory) Clear(context.Context) error {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for id, s := range sh.sessions {
			m.forget(sh, id, s)
		}
		sh.mu.Unlock()
	}
	return nil
}

// Len implements Store.
func (m *Memory) Len(context.Context) (int, error) {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.sessions)
		sh.mu.Unlock()
	}
	return n, nil
}

// Live is the number of live sessions: added, not ended, and not yet found past their deadline.
func (m *Memory) Live() int { return int(m.live.Load()) }
