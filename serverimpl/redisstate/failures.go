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
//
// Fail takes the time from the stub's clock: the brake calls it after BlockedEach, whose
// round trip brought the clock's copy up to date (see BlockedEach).
type Failures struct {
	st  *State
	cfg throttle.Config
}

var _ throttle.Batcher = (*Failures)(nil)

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
func (f *Failures) Blocked(ctx context.Context, key string) (throttle.Status, error) {
	st, _, err := f.BlockedEach(ctx, []throttle.Query{{Counter: f, Key: key}})
	if err != nil {
		return throttle.Status{}, err
	}
	return st[0], nil
}

// BlockedEach implements throttle.Batcher for the counters of this State: one HMGET per
// query, all in one pipeline (in Cluster the keys may live on different nodes: one pipeline
// per node, at once), so the brake asks about the account and the client in one round trip.
// With a shared clock (State.Offset) the clock's offset is read in the same pipeline and the
// windows are judged by the wall clock plus it; the offset then also updates the copy the
// stub's clock reads, so the rest of the request (the session's times, a failure's count)
// goes by it too. It is read even when no counter is on: that round trip is then the clock's.
func (f *Failures) BlockedEach(ctx context.Context, qs []throttle.Query) ([]throttle.Status, bool, error) {
	counters := make([]*Failures, len(qs))
	reads := make([]hmget, 0, len(qs)+1)
	for i, q := range qs {
		c, ok := q.Counter.(*Failures)
		if !ok || c.st != f.st {
			return nil, false, nil
		}
		counters[i] = c
		if c.enabled() {
			reads = append(reads, hmget{c.prefix() + q.Key, windowFields})
		}
	}
	out := make([]throttle.Status, len(qs))
	o := f.st.offset
	if o != nil {
		reads = append(reads, hmget{f.st.clockKey(), offsetFields})
	}
	if len(reads) == 0 {
		return out, true, nil
	}
	ctx, cancel := f.st.bound(ctx)
	defer cancel()
	values, found, err := f.st.b.hmgetIntsEach(ctx, reads)
	if err := f.st.observe(err); err != nil {
		return nil, true, err
	}
	now := f.cfg.Now().UnixMilli()
	if o != nil {
		c := values[len(values)-1]
		o.saw(c[0], c[1])
		now = (time.Now().UnixMicro() + c[0]) / 1000
	}
	k := 0
	for i, c := range counters {
		if !c.enabled() {
			continue
		}
		if found[k] {
			out[i] = c.status(now, values[k][0], values[k][1])
		}
		k++
	}
	return out, true, nil
}

var (
	windowFields = []string{"s", "n"}
	offsetFields = []string{"o", "v"}
)

// status judges a window that started at start (ms) with n failures at now (ms).
func (f *Failures) status(now, start, n int64) throttle.Status {
	end := start + f.cfg.Window.Milliseconds()
	switch {
	case now >= end:
		return throttle.Status{} // ended; Redis forgets it by itself
	case n < int64(f.cfg.MaxFailures):
		return throttle.Status{Recorded: true}
	}
	return throttle.Status{Blocked: true, Wait: throttle.RetryAfter(time.Duration(end-now) * time.Millisecond), Recorded: true}
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
