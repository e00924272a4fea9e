package redisstate

import (
	"context"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// ttlGrace is how much longer than its deadline a session's key lives. The stub judges a
// session by the deadline written in it, not by the key's existence; the grace keeps a
// replica whose clock is a little behind Redis's from finding the key already gone (it would
// call a login token "unknown" instead of "expired").
const ttlGrace = 10 * time.Second

// Sessions is the sessions.Store in Redis. Each session is one key whose TTL is the time left
// until its deadline (by the stub's clock, plus ttlGrace), so Redis forgets it by itself;
// Use and End are one Lua script each.
//
// Len, List and Clear SCAN every master for the sessions' key pattern: they take time in
// proportion to the sessions held (about 1,000 keys per round trip) and are meant for /healthz
// and the admin views, not for every request. Len and List deduplicate what SCAN returns twice.
type Sessions struct {
	st *State
}

var _ sessions.Store = (*Sessions)(nil)

// Sessions is the session store in this Redis.
func (s *State) Sessions() *Sessions { return &Sessions{st: s} }

func (r *Sessions) key(id sessions.ID) string {
	return r.st.prefix + "s:{" + id.String() + "}"
}

func (r *Sessions) pattern() string { return escapeGlob(r.st.prefix) + "s:{*}" }

// idOf reads the jti out of a session's key.
func idOf(key string) (sessions.ID, bool) {
	i := strings.LastIndexByte(key, '{')
	if i < 0 || !strings.HasSuffix(key, "}") {
		return sessions.ID{}, false
	}
	return sessions.ParseID(key[i+1 : len(key)-1])
}

func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ttl(deadline, now int64) time.Duration {
	return max(time.Duration(deadline-now), 0) + ttlGrace
}

// Add implements sessions.Store. Redis has no bound of its own on sessions (use maxmemory).
func (r *Sessions) Add(ctx context.Context, id sessions.ID, s sessions.Session) error {
	ctx, cancel := r.st.bound(ctx)
	defer cancel()
	now := s.IssuedAt
	return r.st.observe(r.st.b.set(ctx, r.key(id), encodeSession(s), ttl(s.Deadline, now)))
}

// useScript: KEYS[1] the session, KEYS[2] (with a shared clock) the clock's offset; ARGV now
// (µs; with KEYS[2], the wall clock, to which the offset is added), grace (ms). Answers
// {state, offset, version}: unknown 0, live 1, expired 2, released 3 (sessions.State). A live
// session's last use becomes now, an idle session's deadline now+idle, and the key's TTL the
// time left.
var useScript = &script{src: clockLua + `
local now, o, ver = tonumber(ARGV[1]), 0, 0
if KEYS[2] then o, ver = clock(KEYS[2]); now = now + o end
local v = redis.call('GET', KEYS[1])
if not v then return {0, o, ver} end
local deadline = struct.unpack('<i8', v, 19)
if now >= deadline then
  redis.call('UNLINK', KEYS[1])
  return {2, o, ver}
end
local ended = string.byte(v, 2)
if ended ~= 1 then return {ended, o, ver} end
local idle = struct.unpack('<i8', v, 27)
if idle > 0 then deadline = now + idle end
redis.call('SETRANGE', KEYS[1], 10, struct.pack('<i8i8', now, deadline))
redis.call('PEXPIRE', KEYS[1], math.ceil((deadline - now) / 1000) + tonumber(ARGV[2]))
return {1, o, ver}
`}

// endScript: KEYS[1] the session, KEYS[2] (with a shared clock) the clock's offset; ARGV now
// (as useScript's), as (sessions.State). Answers {the state before, offset, version}; only a
// live session changes, and keeps its TTL (it is kept until its deadline, to say how it
// ended).
var endScript = &script{src: clockLua + `
local now, o, ver = tonumber(ARGV[1]), 0, 0
if KEYS[2] then o, ver = clock(KEYS[2]); now = now + o end
local v = redis.call('GET', KEYS[1])
if not v then return {0, o, ver} end
local deadline = struct.unpack('<i8', v, 19)
if now >= deadline then
  redis.call('UNLINK', KEYS[1])
  return {2, o, ver}
end
local ended = string.byte(v, 2)
if ended ~= 1 then return {ended, o, ver} end
redis.call('SETRANGE', KEYS[1], 1, string.char(tonumber(ARGV[2])))
return {1, o, ver}
`}

// Use implements sessions.Store. With a shared clock (State.Offset) it decides with the
// offset in Redis, not with now (see Offset).
func (r *Sessions) Use(ctx context.Context, id sessions.ID, now time.Time) (sessions.State, error) {
	st, _, err := r.st.decide(ctx, useScript, []string{r.key(id)}, micros(now.UnixNano()), ttlGrace.Milliseconds())
	if err != nil {
		return sessions.StateUnknown, err
	}
	return sessions.State(st), nil
}

// End implements sessions.Store; with a shared clock, as Use.
func (r *Sessions) End(ctx context.Context, id sessions.ID, now time.Time, as sessions.State) (sessions.State, error) {
	st, _, err := r.st.decide(ctx, endScript, []string{r.key(id)}, micros(now.UnixNano()), int(as))
	if err != nil {
		return sessions.StateUnknown, err
	}
	return sessions.State(st), nil
}

// Get implements sessions.Store.
func (r *Sessions) Get(ctx context.Context, id sessions.ID, now time.Time) (sessions.Session, sessions.State, error) {
	ctx, cancel := r.st.bound(ctx)
	defer cancel()
	v, ok, err := r.st.b.get(ctx, r.key(id))
	if err := r.st.observe(err); err != nil {
		return sessions.Session{}, sessions.StateUnknown, err
	}
	if !ok {
		return sessions.Session{}, sessions.StateUnknown, nil
	}
	s, err := decodeSession(v)
	if err != nil {
		return sessions.Session{}, sessions.StateUnknown, err
	}
	return s, s.StateAt(now.UnixNano()), nil
}

// List implements sessions.Store.
func (r *Sessions) List(ctx context.Context, now time.Time, fn func(sessions.ID, sessions.Session, sessions.State) bool) error {
	t := now.UnixNano()
	seen := map[sessions.ID]struct{}{}
	err := r.st.b.scan(ctx, r.pattern(), func(keys []string) error {
		values, err := r.st.b.getEach(ctx, keys)
		if err != nil {
			return err
		}
		for i, v := range values {
			id, ok := idOf(keys[i])
			if v == nil || !ok {
				continue // expired since the scan saw it
			}
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			s, err := decodeSession(v)
			if err != nil {
				continue
			}
			if !fn(id, s, s.StateAt(t)) {
				return errStop
			}
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return r.st.observe(err)
}

// Clear implements sessions.Store.
func (r *Sessions) Clear(ctx context.Context) error {
	return r.st.observe(r.st.b.scan(ctx, r.pattern(), func(keys []string) error {
		return r.st.b.unlinkEach(ctx, keys)
	}))
}

// Len implements sessions.Store.
func (r *Sessions) Len(ctx context.Context) (int, error) {
	seen := map[sessions.ID]struct{}{}
	err := r.st.b.scan(ctx, r.pattern(), func(keys []string) error {
		for _, k := range keys {
			if id, ok := idOf(k); ok {
				seen[id] = struct{}{}
			}
		}
		return nil
	})
	if err := r.st.observe(err); err != nil {
		return 0, err
	}
	return len(seen), nil
}
