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

// attemptScript: KEYS[1] the account's window, KEYS[2] the client's, KEYS[3] the session;
// ARGV now (ms), the account's limit and window (ms), the client's (a limit of 0: that
// counter is off), the grace (ms), what happened ("open", "fail" or "ask"), and for "open"
// the session and its TTL (ms). Windows are failScript's: {s: start, n: failures}, a window
// ends at s + window by the stub's clock. Answers 0 when admitted, else the wait (ms) until
// the later of the blocking windows ends; a blocked attempt writes nothing. Most attempts find
// no window at all: one EXISTS over both instead of two HMGETs (about 3 µs less of Redis's time
// per script, by INFO commandstats: each call from Lua costs one to two microseconds).
var attemptScript = &script{src: `
local now, grace = tonumber(ARGV[1]), tonumber(ARGV[6])
local wait, live = 0, {}
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then
  for i = 1, 2 do
    local limit, window = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
    if limit > 0 then
      local w = redis.call('HMGET', KEYS[i], 's', 'n')
      local start, n = tonumber(w[1]), tonumber(w[2])
      if start and now < start + window then
        live[i] = start
        if n and n >= limit then wait = math.max(wait, start + window - now) end
      end
    end
  end
end
if wait > 0 then return wait end
local what = ARGV[7]
if what == 'open' then
  redis.call('SET', KEYS[3], ARGV[8], 'PX', ARGV[9])
  if tonumber(ARGV[2]) > 0 and live[1] then redis.call('UNLINK', KEYS[1]) end
elseif what == 'fail' then
  for i = 1, 2 do
    local limit, window = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
    if limit > 0 then
      local start = live[i]
      if start then
        redis.call('HINCRBY', KEYS[i], 'n', 1)
      else
        start = now
        redis.call('HSET', KEYS[i], 's', ARGV[1], 'n', 1)
      end
      redis.call('PEXPIRE', KEYS[i], start + window - now + grace)
    end
  end
end
return 0
`}

// limit is f's limit for the script: 0 when f counts nothing.
func (f *Failures) limit() int {
	if !f.enabled() {
		return 0
	}
	return f.cfg.MaxFailures
}

// run runs attemptScript for what, with the session's key and value and TTL for "open".
func (a *attempts) run(ctx context.Context, account, client, what, sessionKey string, value []byte, ttl time.Duration) (time.Duration, error) {
	now := a.accounts.cfg.Now().UnixMilli()
	ctx, cancel := a.st.bound(ctx)
	defer cancel()
	wait, err := a.st.b.runKeys(ctx, attemptScript,
		[]string{a.accounts.prefix() + account, a.clients.prefix() + client, sessionKey},
		now, a.accounts.limit(), a.accounts.cfg.Window.Milliseconds(), a.clients.limit(), a.clients.cfg.Window.Milliseconds(),
		ttlGrace.Milliseconds(), what, value, ttl.Milliseconds())
	if err := a.st.observe(err); err != nil {
		return 0, err
	}
	if wait > 0 {
		return throttle.RetryAfter(time.Duration(wait) * time.Millisecond), nil
	}
	return 0, nil
}

// Open implements throttle.Attempts.
func (a *attempts) Open(ctx context.Context, account, client string, id sessions.ID, s sessions.Session) (time.Duration, error) {
	r := Sessions{st: a.st}
	return a.run(ctx, account, client, "open", r.key(id), encodeSession(s), ttl(s.Deadline, s.IssuedAt))
}

// Fail implements throttle.Attempts.
func (a *attempts) Fail(ctx context.Context, account, client string) (time.Duration, error) {
	return a.run(ctx, account, client, "fail", a.noSession(), nil, 0)
}

// Ask implements throttle.Attempts.
func (a *attempts) Ask(ctx context.Context, account, client string) (time.Duration, error) {
	return a.run(ctx, account, client, "ask", a.noSession(), nil, 0)
}

// noSession is the session key of an attempt that stores none: a key the script does not
// touch, named so a script's keys are all declared, as Redis asks.
func (a *attempts) noSession() string { return a.st.prefix + "s:{}" }
