package redisstate

import (
	"context"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// Failures is the brute-force brake's failure counts in Redis (a throttle.Counter): one hash
// per key, {s: window start, n: failures}, in the stub's clock's milliseconds, so an advanced
// admin clock ends a window here as it does in memory. The key's TTL is the window's time
// left (plus ttlGrace): Redis forgets it by itself.
type Failures struct {
	st  *State
	cfg throttle.Config
}

var _ throttle.Counter = (*Failures)(nil)

// Failures counts failures as cfg says, under cfg.Name (stubs sharing a Redis share the
// counts of the same name).
func (s *State) Failures(cfg throttle.Config) *Failures {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Failures{st: s, cfg: cfg}
}

func (f *Failures) enabled() bool { return f.cfg.MaxFailures > 0 && f.cfg.Window > 0 }

func (f *Failures) prefix() string { return f.st.prefix + "f:" + f.cfg.Name + ":" }

// failScript: KEYS[1] the window, ARGV now (ms), window (ms), grace (ms). Starts a window at
// the first failure (or the first after the last window ended), counts, and answers the count.
var failScript = &script{src: `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's'))
local n
if not start or now >= start + window then
  start = now
  redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', 1)
  n = 1
else
  n = redis.call('HINCRBY', KEYS[1], 'n', 1)
end
redis.call('PEXPIRE', KEYS[1], start + window - now + tonumber(ARGV[3]))
return n
`}

// Blocked implements throttle.Counter: one HMGET.
func (f *Failures) Blocked(ctx context.Context, key string) (time.Duration, bool, error) {
	if !f.enabled() {
		return 0, false, nil
	}
	now := f.cfg.Now().UnixMilli()
	ctx, cancel := f.st.bound(ctx)
	defer cancel()
	v, ok, err := f.st.b.hmgetInts(ctx, f.prefix()+key, "s", "n")
	if err := f.st.observe(err); err != nil {
		return 0, false, err
	}
	if !ok {
		return 0, false, nil
	}
	end := v[0] + f.cfg.Window.Milliseconds()
	if now >= end || v[1] < int64(f.cfg.MaxFailures) {
		return 0, false, nil
	}
	return throttle.RetryAfter(time.Duration(end-now) * time.Millisecond), true, nil
}

// Fail implements throttle.Counter.
func (f *Failures) Fail(ctx context.Context, key string) error {
	if !f.enabled() {
		return nil
	}
	now := f.cfg.Now().UnixMilli()
	ctx, cancel := f.st.bound(ctx)
	defer cancel()
	_, err := f.st.b.run(ctx, failScript, f.prefix()+key, now, f.cfg.Window.Milliseconds(), ttlGrace.Milliseconds())
	return f.st.observe(err)
}

// Reset implements throttle.Counter.
func (f *Failures) Reset(ctx context.Context, key string) error {
	if !f.enabled() {
		return nil
	}
	ctx, cancel := f.st.bound(ctx)
	defer cancel()
	return f.st.observe(f.st.b.del(ctx, f.prefix()+key))
}

// Clear implements throttle.Counter: every key's failures, on every master.
func (f *Failures) Clear(ctx context.Context) error {
	return f.st.observe(f.st.b.scan(ctx, escapeGlob(f.prefix())+"*", func(keys []string) error {
		return f.st.b.unlinkEach(ctx, keys)
	}))
}
