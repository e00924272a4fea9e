package redisstate

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultClockRefresh is how often a replica reads the shared clock offset again even
// without a notification: the bound on how long a missed notification (a replica that was
// disconnected from Redis when another advanced the clock) leaves it behind.
const DefaultClockRefresh = time.Second

// Offset is the admin clock's offset shared through Redis (a serverimpl.SharedOffset): one
// integer key, microseconds. Offset, which the stub's clock calls on every request, reads a
// copy in memory and never waits for Redis:
//   - the replica that changes the offset has the new value as soon as the change returns;
//   - a change publishes a notification, on which every other replica reads the key again
//     (milliseconds later);
//   - every replica also reads it every ClockRefresh (1 s), so a notification it missed
//     delays it by at most that much.
type Offset struct {
	st     *State
	cached atomic.Int64 // microseconds
	mu     sync.Mutex
	writes uint64 // local changes, so a read that raced with one does not undo it
	kick   chan struct{}
}

// advanceScript: KEYS[1] the offset, ARGV d (µs), the channel. Answers the new offset.
var advanceScript = &script{src: `
local o = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], 'changed')
return o
`}

// setOffsetScript: KEYS[1] the offset, ARGV offset (µs), the channel.
var setOffsetScript = &script{src: `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], 'changed')
return tonumber(ARGV[1])
`}

func (s *State) clockKey() string     { return s.prefix + "clock" }
func (s *State) clockChannel() string { return s.prefix + "clock" }

// Offset returns the shared clock offset, reading it once now and then keeping it current
// in the background until Close. Call it once per State.
func (s *State) Offset(ctx context.Context) (*Offset, error) {
	o := &Offset{st: s, kick: make(chan struct{}, 1)}
	if err := o.read(ctx); err != nil {
		return nil, err
	}
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
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
			case <-o.kick:
			}
			_ = o.read(bg)
		}
	})
	go func() { wg.Wait(); close(s.done) }()
	return o, nil
}

// read takes the offset from Redis, unless this replica changed it meanwhile.
func (o *Offset) read(ctx context.Context) error {
	o.mu.Lock()
	before := o.writes
	o.mu.Unlock()
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	v, ok, err := o.st.b.get(ctx, o.st.clockKey())
	if err := o.st.observe(err); err != nil {
		return err
	}
	var us int64
	if ok {
		if us, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return err
		}
	}
	o.mu.Lock()
	if o.writes == before {
		o.cached.Store(us)
	}
	o.mu.Unlock()
	return nil
}

func (o *Offset) wrote(us int64) {
	o.mu.Lock()
	o.writes++
	o.cached.Store(us)
	o.mu.Unlock()
}

// Offset is the offset as last known; no round trip.
func (o *Offset) Offset() time.Duration { return time.Duration(o.cached.Load()) * time.Microsecond }

// Advance adds d to the shared offset and returns the new offset.
func (o *Offset) Advance(ctx context.Context, d time.Duration) (time.Duration, error) {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	us, err := o.st.b.run(ctx, advanceScript, o.st.clockKey(), d.Microseconds(), o.st.clockChannel())
	if err := o.st.observe(err); err != nil {
		return o.Offset(), err
	}
	o.wrote(us)
	return o.Offset(), nil
}

// Set makes the shared offset d (0: the wall clock again).
func (o *Offset) Set(ctx context.Context, d time.Duration) error {
	ctx, cancel := o.st.bound(ctx)
	defer cancel()
	us, err := o.st.b.run(ctx, setOffsetScript, o.st.clockKey(), d.Microseconds(), o.st.clockChannel())
	if err := o.st.observe(err); err != nil {
		return err
	}
	o.wrote(us)
	return nil
}
