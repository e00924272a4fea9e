package redisstate

import (
	"context"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// attempts is throttle.Attempts on a single node or Sentinel: one script per attempt reads
// the account's and the client's failure windows and then stores the session and forgets the
// account's window, or counts the failure in both, or writes nothing. Without it an issuing
// method costs two or three round trips before its answer (the windows' HMGETs; then the
// session's SET, and the account's UNLINK after failures; or a script per window for a
// failure); on a small machine where the stub and Redis share a core, each round trip costs
// that core its system calls on both sides.
//
// Not in Cluster: there the account's window, the client's and the session are three keys on
// three slots (most likely three nodes), and a script may only touch keys of one slot
// (CROSSSLOT). Giving them one hash tag would put every window and session of the stub on one
// node, which is what a Cluster is there to avoid; so a Cluster keeps the three round trips.
type attempts struct {
	st                *State
	accounts, clients *Failures
}

var _ throttle.AttemptStore = (*Sessions)(nil)

// Attempts implements throttle.AttemptStore: for this State's own failure counts, and not in
// Cluster (see attempts).
func (r *Sessions) Attempts(accounts, clients throttle.Counter) (throttle.Attempts, bool) {
	a, okA := accounts.(*Failures)
	c, okC := clients.(*Failures)
	if !okA || !okC || a.st != r.st || c.st != r.st || r.st.b.cluster() {
		return nil, false
	}
	return &attempts{st: r.st, accounts: a, clients: c}, true
}

// attemptScript: KEYS[1] the account's window, KEYS[2] the client's, KEYS[3] the session,
// KEYS[4] (with a shared clock) the clock's offset; ARGV now (µs; with KEYS[4], the wall
// clock, to which the offset is added), the account's limit and window (ms), the client's (a
// limit of 0: that counter is off), the grace (ms), what happened ("open", "fail" or "ask"),
// and for "open" the session and its TTL (ms). With a shared clock the session's times (issued,
// last use, deadline) are moved to now, keeping its lifetime. Windows are failScript's: {s:
// start, n: failures}, in milliseconds; a window ends at s + window by the stub's clock.
// Answers {0 when admitted, else the wait (ms) until the later of the blocking windows ends;
// offset; version}; a blocked attempt writes nothing. Most attempts find no window at all: one
// EXISTS over both instead of two HMGETs (about 3 µs less of Redis's time per script, by INFO
// commandstats: each call from Lua costs one to two microseconds).
var attemptScript = &script{src: clockLua + `
local now, o, ver = tonumber(ARGV[1]), 0, 0
if KEYS[4] then o, ver = clock(KEYS[4]); now = now + o end
local nowms, grace = math.floor(now / 1000), tonumber(ARGV[6])
local wait, live = 0, {}
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then
  for i = 1, 2 do
    local limit, window = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
    if limit > 0 then
      local w = redis.call('HMGET', KEYS[i], 's', 'n')
      local start, n = tonumber(w[1]), tonumber(w[2])
      if start and nowms < start + window then
        live[i] = start
        if n and n >= limit then wait = math.max(wait, start + window - nowms) end
      end
    end
  end
end
if wait > 0 then return {wait, o, ver} end
local what = ARGV[7]
if what == 'open' then
  local v = ARGV[8]
  if KEYS[4] then
    local life = struct.unpack('<i8', v, 19) - struct.unpack('<i8', v, 3)
    v = string.sub(v, 1, 2) .. struct.pack('<i8i8i8', now, now, now + life) .. string.sub(v, 27)
  end
  redis.call('SET', KEYS[3], v, 'PX', ARGV[9])
  if tonumber(ARGV[2]) > 0 and live[1] then redis.call('UNLINK', KEYS[1]) end
elseif what == 'fail' then
  for i = 1, 2 do
    local limit, window = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
    if limit > 0 then
      local start = live[i]
      if start then
        redis.call('HINCRBY', KEYS[i], 'n', 1)
      else
        start = nowms
        redis.call('HSET', KEYS[i], 's', nowms, 'n', 1)
      end
      redis.call('PEXPIRE', KEYS[i], start + window - nowms + grace)
    end
  end
end
return {0, o, ver}
`}

// limit is f's limit for the script: 0 when f counts nothing.
func (f *Failures) limit() int {
	if !f.enabled() {
		return 0
	}
	return f.cfg.MaxFailures
}

// run runs attemptScript for what, with the session's key and value and TTL for "open", and
// answers the wait and the time (µs) it decided with.
func (a *attempts) run(ctx context.Context, account, client, what, sessionKey string, value []byte, ttl time.Duration) (time.Duration, int64, error) {
	wait, now, err := a.st.decide(ctx, attemptScript,
		[]string{a.accounts.prefix() + account, a.clients.prefix() + client, sessionKey},
		a.accounts.cfg.Now().UnixMicro(),
		a.accounts.limit(), a.accounts.cfg.Window.Milliseconds(), a.clients.limit(), a.clients.cfg.Window.Milliseconds(),
		ttlGrace.Milliseconds(), what, value, ttl.Milliseconds())
	if err != nil {
		return 0, 0, err
	}
	if wait > 0 {
		return throttle.RetryAfter(time.Duration(wait) * time.Millisecond), now, nil
	}
	return 0, now, nil
}

// Open implements throttle.Attempts. With a shared clock the session's times become the
// time the script decided with (its lifetime kept), and so do s's: the token is signed with
// them.
func (a *attempts) Open(ctx context.Context, account, client string, id sessions.ID, s *sessions.Session) (time.Duration, error) {
	r := Sessions{st: a.st}
	wait, now, err := a.run(ctx, account, client, "open", r.key(id), encodeSession(*s), ttl(s.Deadline, s.IssuedAt))
	if err == nil && wait == 0 && a.st.offset != nil {
		life := micros(s.Deadline) - micros(s.IssuedAt)
		s.IssuedAt, s.LastUse, s.Deadline = now*1000, now*1000, (now+life)*1000
	}
	return wait, err
}

// Fail implements throttle.Attempts.
func (a *attempts) Fail(ctx context.Context, account, client string) (time.Duration, error) {
	wait, _, err := a.run(ctx, account, client, "fail", a.noSession(), nil, 0)
	return wait, err
}

// Ask implements throttle.Attempts.
func (a *attempts) Ask(ctx context.Context, account, client string) (time.Duration, error) {
	wait, _, err := a.run(ctx, account, client, "ask", a.noSession(), nil, 0)
	return wait, err
}

// noSession is the session key of an attempt that stores none: a key the script does not
// touch, named so a script's keys are all declared, as Redis asks.
func (a *attempts) noSession() string { return a.st.prefix + "s:{}" }
