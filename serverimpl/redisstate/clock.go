package redisstate

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultClockRefresh is how often a replica reads the shared clock offset again even
// without a notification. Expiry decisions do not depend on it (they read the offset in Redis,
// see Offset); it keeps the copy in memory near the truth for what reads the clock without
// asking Redis (the journal's time of arrival).
const DefaultClockRefresh = time.Second

// Offset is the admin clock's offset shared through Redis (a serverimpl.SharedOffset): one
// hash, {o: offset in microseconds, v: how many moves so far}.
//
// Read-your-writes across replicas: once a move (advance or reset) has answered on any
// replica, every request that starts afterwards on any replica decides with the new offset,
// because every decision that depends on the time is taken where the offset is:
//   - the scripts that use, end and open a session (and count an attempt) read the offset in
//     the same script, on a single node or Sentinel, and decide expiry, idle time and the
//     brake's windows with the replica's wall clock plus that offset; no extra round trip.
//     On a Cluster the offset's key is on another slot than the session's: the offset is read
//     first, one more round trip;
//   - the brake's windows are read (HMGET) in the same pipeline as the offset;
//   - the admin views that read the time (the clock, the sessions) read the offset first
//     (Sync), one round trip where GET /_crmauth/clock had none.
//
// Each reply carries the offset and its version, which update the copy in memory
// (Offset.Offset, which the stub's clock reads on every request) when newer: a request's
// later reads of the clock (the token's iat and exp) see at least what its first round trip
// saw. A notification (pub/sub) and a read every ClockRefresh keep the copy current
// besides.
type Offset struct {
	st     *State
	cached atomic.Pointer[offsetVersion]
	kick   chan struct{}
}

// offsetVersion is the offset (µs) as of its version (the number of moves).
type offsetVersion struct{ us, v int64 }

// clockLua reads the shared offset in a script: local o, v = clock(KEYS[n]). A key holding
// the string of earlier versions of this package (the offset alone) is read as version 0.
const clockLua = `
local function clock(k)
  local c = redis.call('HMGET', k, 'o', 'v')
  return tonumber(c[1]) or 0, tonumber(c[2]) or 0
end
`

// upgradeLua turns an earlier version's string key (the offset alone) into the hash.
const upgradeLua = `
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then
  local o = redis.call('GET', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'o', o, 'v', 0)
end
`

// readOffsetScript: KEYS[1] the offset, of this version or an earlier one. Answers {offset,
// version}. Run once, at start; then the offset is read with an HMGET.
var readOffsetScript = &script{src: upgradeLua + clockLua + `
local o, v = clock(KEYS[1])
return {o, v}
`}

// advanceScript: KEYS[1] the offset, ARGV d (µs), the channel. Answers {offset, version}.
var advanceScript = &script{src: upgradeLua + `
local o = redis.call('HINCRBY', KEYS[1], 'o', ARGV[1])
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('PUBLISH', ARGV[2], 'changed')
return {o, v}
`}

// setOffsetScript: KEYS[1] the offset, ARGV offset (µs), the channel. Answers {offset,
// version}.
var setOffsetScript = &script{src: upgradeLua + `
redis.call('HSET', KEYS[1], 'o', ARGV[1])
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('PUBLISH', ARGV[2], 'changed')
return {tonumber(ARGV[1]), v}
`}

func (s *State) clockKey() string     { return s.prefix + "clock" }
func (s *State) clockChannel() string { return s.prefix + "clock" }

// Offset returns the shared clock offset, reading it once now and then keeping it current
// in the background until Close. Call it once per State: from then on the State's sessions
// and failure counts decide with it (see Offset), not with the times they are given.
func (s *State) Offset(ctx context.Context) (*Offset, error) {
	o := &Offset{st: s, kick: make(chan struct{}, 1)}
	o.cached.Store(&offsetVersion{})
	if err := o.upgrade(ctx); err != nil {
		return nil, err
	}
	s.offset = o
	bg, stop := context.WithCancel(context.Background())
	s.stop, s.done = stop, make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s.b.subscribe(bg, s.clockChannel(), func(string) {
			select {
			case o.kick <- struct{}{}:
			default: // a read is already due
			}
		})
	})
	wg.Go(func() {
		t := time.NewTicker(s.refresh)
		defer t.Stop()
		var lower offsetVersion // what the last read found, when older than the copy
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
			case <-o.kick:
			}
			r, err := o.read(bg)
			if err != nil {
				continue
			}
			if !o.saw(r.us, r.v) && r == lower {
				// Two reads in turn found an older version than the copy's: not a reply
				// overtaken by a move, but Redis that lost its data (restarted without
				// persistence). Its offset is the truth now.
				o.cached.Store(&r)
			}
			lower = r
		}
	})
	go func() { wg.Wait(); close(s.done) }()
	return o, nil
}

// Sync reads the offset from Redis (one round trip): from its return on, Offset answers what
// Redis held when it asked, or a later offset.
func (o *Offset) Sync(ctx context.Context) error {
	r, err := o.read(ctx)
	if err != nil {
		return err
	}
	o.saw(r.us, r.v)
	return nil
}

// read asks Redis for the offset: one HMGET.
func (o *Offset) read(ctx context.Context) (offsetVersion, error) {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	r, _, err := o.st.b.hmgetIntsEach(ctx, []hmget{{o.st.clockKey(), offsetFields}})
	if err := o.st.observe(err); err != nil {
		return offsetVersion{}, err
	}
	return offsetVersion{us: r[0][0], v: r[0][1]}, nil
}

// upgrade turns an earlier version's key into the hash, and reads it.
func (o *Offset) upgrade(ctx context.Context) error {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	r, err := o.st.b.runInts(ctx, readOffsetScript, []string{o.st.clockKey()})
	if err := o.st.observe(err); err != nil {
		return err
	}
	o.saw(r[0], r[1])
	return nil
}

// saw notes the offset us at version v, as a reply from Redis gave it, unless a newer one is
// already known: replies of concurrent requests arrive in any order. It reports whether the
// copy now holds v or a later version.
func (o *Offset) saw(us, v int64) bool {
	for {
		old := o.cached.Load()
		if v < old.v {
			return false
		}
		if v == old.v && us == old.us {
			return true
		}
		if o.cached.CompareAndSwap(old, &offsetVersion{us: us, v: v}) {
			return true
		}
	}
}

// Offset is the offset as last known; no round trip.
func (o *Offset) Offset() time.Duration { return time.Duration(o.cached.Load().us) * time.Microsecond }

// Advance adds d to the shared offset and returns the new offset.
func (o *Offset) Advance(ctx context.Context, d time.Duration) (time.Duration, error) {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	r, err := o.st.b.runInts(ctx, advanceScript, []string{o.st.clockKey()}, d.Microseconds(), o.st.clockChannel())
	if err := o.st.observe(err); err != nil {
		return o.Offset(), err
	}
	o.saw(r[0], r[1])
	return o.Offset(), nil
}

// Set makes the shared offset d (0: the wall clock again).
func (o *Offset) Set(ctx context.Context, d time.Duration) error {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	r, err := o.st.b.runInts(ctx, setOffsetScript, []string{o.st.clockKey()}, d.Microseconds(), o.st.clockChannel())
	if err := o.st.observe(err); err != nil {
		return err
	}
	o.saw(r[0], r[1])
	return nil
}

// decide runs sc, a script whose first argument is the time (µs) it decides with, on keys,
// bounded by the time-out, and answers the script's first integer and that time.
//
// Without a shared offset (Offset not called: the stub has a clock of its own) the time is
// now. With one, it is the replica's wall clock plus the offset in Redis: on a single node or
// Sentinel the script reads it itself (the offset's key is appended to keys; the script adds
// its offset to the time, and answers {answer, offset, version}), on a Cluster it is read
// first (one round trip more: the offset's key is on another slot).
func (s *State) decide(ctx context.Context, sc *script, keys []string, now int64, args ...any) (int64, int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	o := s.offset
	argv := make([]any, 0, 1+len(args))
	switch {
	case o == nil:
	case s.b.cluster():
		ov, err := o.read(ctx)
		if err != nil {
			return 0, 0, err
		}
		o.saw(ov.us, ov.v)
		now = time.Now().UnixMicro() + ov.us
	default:
		now = time.Now().UnixMicro()
		keys = append(keys[:len(keys):len(keys)], s.clockKey())
	}
	r, err := s.b.runInts(ctx, sc, keys, append(append(argv, now), args...)...)
	if err := s.observe(err); err != nil {
		return 0, 0, err
	}
	if o != nil && !s.b.cluster() {
		o.saw(r[1], r[2])
		now += r[1]
	}
	return r[0], now, nil
}
