package serverimpl

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// SessionID is a session's identity: the 16 random bytes behind a token's jti claim (the jti
// is their upper-case hex).
type SessionID [16]byte

// Session is what the stub remembers about an issued token: only whether and until when it
// lives. Everything else (user, organisation, unit) is in the signed token itself, which keeps
// a session to a few machine words however many are live.
type Session struct {
	// Deadline is when the session ends, in Unix nanoseconds: unless used again for a login
	// session (Idle > 0), at all for a key session (Idle == 0).
	Deadline int64
	// Idle, when positive, is how far every use moves Deadline past the time of use.
	Idle time.Duration
	// Released is set by authentication/token/release; a released session is kept until its
	// deadline so that releasing it again says "released" rather than "unknown".
	Released bool
}

// SessionState is what a lookup found.
type SessionState uint8

const (
	SessionUnknown  SessionState = iota // never issued here, or forgotten after it ended
	SessionLive                         // issued, not expired, not released
	SessionExpired                      // its deadline has passed
	SessionReleased                     // released before its deadline
)

func (s SessionState) String() string {
	switch s {
	case SessionLive:
		return "live"
	case SessionExpired:
		return "expired"
	case SessionReleased:
		return "released"
	default:
		return "unknown"
	}
}

// ErrSessionLimit is what a SessionStore returns from Add when it holds as many sessions as it
// may; the methods answer it with SERVICE_UNAVAILABLE and Retry-After.
var ErrSessionLimit = errors.New("the limit of live sessions is reached")

// SessionStore keeps sessions. Each method is atomic for its session. Implementations must be
// safe for concurrent use; the stub's default is in memory (NewMemorySessionStore), and a
// shared store (for several stub processes) can be put behind the same interface.
type SessionStore interface {
	// Add records a new session.
	Add(id SessionID, s Session, now time.Time) error
	// Use reports the session's state at now; a live session with Idle > 0 has its deadline
	// moved to now+Idle (a use restarts the idle time).
	Use(id SessionID, now time.Time) SessionState
	// Release ends a live session at once and reports the state it was in before.
	Release(id SessionID, now time.Time) SessionState
	// Len is the number of sessions held (live, or released and not yet forgotten).
	Len() int
}

// sessionShards spreads sessions over locks so concurrent requests rarely wait for each other;
// session IDs are random, so their first byte spreads them evenly.
const sessionShards = 32

// sweepEvery bounds how often a shard is swept for ended sessions (by the stub's clock).
const sweepEvery = time.Minute

// MemorySessionStore is the in-memory SessionStore.
type MemorySessionStore struct {
	shards    [sessionShards]sessionShard
	lastSweep atomic.Int64 // Unix nanoseconds, by the stub's clock
	// live counts sessions neither released nor known to have ended; maxLive bounds it
	// (0: no bound). Released sessions are kept a while to answer "released", but do not count.
	live      atomic.Int64
	maxLive   int64
	lastForce atomic.Int64 // the last sweep forced by a full store, Unix nanoseconds
}

type sessionShard struct {
	mu       sync.Mutex
	sessions map[SessionID]Session
}

var _ SessionStore = (*MemorySessionStore)(nil)

// NewMemorySessionStore returns an empty in-memory store without a bound.
func NewMemorySessionStore() *MemorySessionStore { return NewBoundedMemorySessionStore(0) }

// NewBoundedMemorySessionStore returns an empty in-memory store holding at most maxLive live
// sessions (0 or less: no bound); Add returns ErrSessionLimit beyond it.
func NewBoundedMemorySessionStore(maxLive int) *MemorySessionStore {
	s := &MemorySessionStore{maxLive: int64(max(maxLive, 0))}
	for i := range s.shards {
		s.shards[i].sessions = make(map[SessionID]Session)
	}
	return s
}

// forceSweepEvery bounds how often a full store sweeps for ended sessions before refusing,
// so a client hammering a full store cannot make every Add walk every session.
const forceSweepEvery = time.Second

func (m *MemorySessionStore) shard(id SessionID) *sessionShard {
	return &m.shards[int(id[0])%sessionShards]
}

// Add records a new session. At most once a minute (by the stub's clock) an Add also sweeps
// ended sessions from every shard, so memory follows the number of live sessions without a
// background goroutine to stop.
func (m *MemorySessionStore) Add(id SessionID, s Session, now time.Time) error {
	t := now.UnixNano()
	if last := m.lastSweep.Load(); t-last >= int64(sweepEvery) && m.lastSweep.CompareAndSwap(last, t) {
		m.sweep(t)
	}
	if n := m.live.Add(1); m.maxLive > 0 && n > m.maxLive {
		m.live.Add(-1)
		last := m.lastForce.Load()
		if t-last < int64(forceSweepEvery) || !m.lastForce.CompareAndSwap(last, t) {
			return ErrSessionLimit
		}
		m.sweep(t)
		if n := m.live.Add(1); n > m.maxLive {
			m.live.Add(-1)
			return ErrSessionLimit
		}
	}
	sh := m.shard(id)
	sh.mu.Lock()
	sh.sessions[id] = s
	sh.mu.Unlock()
	return nil
}

// forget deletes an ended session from its shard (whose lock the caller holds).
func (m *MemorySessionStore) forget(sh *sessionShard, id SessionID, s Session) {
	delete(sh.sessions, id)
	if !s.Released {
		m.live.Add(-1)
	}
}

// sweep forgets sessions that ended before t, one shard at a time.
func (m *MemorySessionStore) sweep(t int64) {
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

// Use implements SessionStore.
func (m *MemorySessionStore) Use(id SessionID, now time.Time) SessionState {
	sh := m.shard(id)
	t := now.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.sessions[id]
	switch {
	case !ok:
		return SessionUnknown
	case t >= s.Deadline:
		m.forget(sh, id, s) // released or not, it would have ended by now
		return SessionExpired
	case s.Released:
		return SessionReleased
	}
	if s.Idle > 0 {
		s.Deadline = t + int64(s.Idle)
		sh.sessions[id] = s
	}
	return SessionLive
}

// Release implements SessionStore.
func (m *MemorySessionStore) Release(id SessionID, now time.Time) SessionState {
	sh := m.shard(id)
	t := now.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.sessions[id]
	switch {
	case !ok:
		return SessionUnknown
	case t >= s.Deadline:
		m.forget(sh, id, s)
		return SessionExpired
	case s.Released:
		return SessionReleased
	}
	m.live.Add(-1)
	s.Released = true
	sh.sessions[id] = s
	return SessionLive
}

// Live is the number of live sessions: added, not released, and not yet found ended.
func (m *MemorySessionStore) Live() int { return int(m.live.Load()) }

// Len implements SessionStore.
func (m *MemorySessionStore) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.sessions)
		sh.mu.Unlock()
	}
	return n
}
