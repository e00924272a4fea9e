package redisclients

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// workers is the number of goroutines issuing commands at once, as many as crmauth-bench's
// load generator keeps in flight.
const workers = 64

// sessions is how many sessions exist before Use is measured; each Use picks one.
const sessions = 10_000

// useScript is a session's Use: unknown, expired, ended, or live (then it records the use and
// with an idle time moves the deadline and the key's TTL). The same shape as the store's.
const useScript = `
local v = redis.call('HMGET', KEYS[1], 'd', 'e', 'x')
if not v[1] then return 0 end
local now = tonumber(ARGV[1])
local d = tonumber(v[1])
if now >= d then return 2 end
local e = tonumber(v[2])
if e ~= 1 then return e end
local x = tonumber(v[3])
if x > 0 then
  d = now + x
  redis.call('HSET', KEYS[1], 'l', ARGV[1], 'd', d)
  redis.call('PEXPIREAT', KEYS[1], math.floor(d / 1000000) + 60000)
else
  redis.call('HSET', KEYS[1], 'l', ARGV[1])
end
return 1
`

// addScript is Add: a new session's hash and its TTL in one atomic step.
const addScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'm', ARGV[1], 'e', 1, 'h', ARGV[2], 'i', ARGV[3], 'l', ARGV[3], 'd', ARGV[4], 'x', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(ARGV[4]) / 1000000) + 60000)
return 1
`

// client is what both libraries do for the benchmark.
type client interface {
	// use answers 0 unknown, 1 live, 2 expired, 3 released (sessions.State's numbers).
	use(ctx context.Context, key string, now int64) (int64, error)
	add(ctx context.Context, key string, now int64) error
	close()
}

type goRedis struct {
	c        *goredis.Client
	use_, ad *goredis.Script
}

// newGoRedis uses go-redis's default pool: 10 connections per GOMAXPROCS.
func newGoRedis(addr string) client { return newGoRedisPool(addr, 0) }

// newGoRedis64 gives go-redis one connection per worker, so it never waits for the pool.
func newGoRedis64(addr string) client { return newGoRedisPool(addr, workers) }

func newGoRedisPool(addr string, size int) client {
	return &goRedis{
		c:    goredis.NewClient(&goredis.Options{Addr: addr, PoolSize: size}),
		use_: goredis.NewScript(useScript),
		ad:   goredis.NewScript(addScript),
	}
}

func (g *goRedis) use(ctx context.Context, key string, now int64) (int64, error) {
	return g.use_.Run(ctx, g.c, []string{key}, now).Int64()
}

func (g *goRedis) add(ctx context.Context, key string, now int64) error {
	return g.ad.Run(ctx, g.c, []string{key}, addArgs(now)...).Err()
}

func (g *goRedis) close() { g.c.Close() }

type rueidisClient struct {
	c        rueidis.Client
	use_, ad *rueidis.Lua
}

func newRueidis(addr string) client {
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		panic(err)
	}
	return &rueidisClient{c: c, use_: rueidis.NewLuaScript(useScript), ad: rueidis.NewLuaScript(addScript)}
}

func (r *rueidisClient) use(ctx context.Context, key string, now int64) (int64, error) {
	return r.use_.Exec(ctx, r.c, []string{key}, []string{strconv.FormatInt(now, 10)}).AsInt64()
}

func (r *rueidisClient) add(ctx context.Context, key string, now int64) error {
	a := addArgs(now)
	s := make([]string, len(a))
	for i, v := range a {
		s[i] = v.(string)
	}
	return r.ad.Exec(ctx, r.c, []string{key}, s).Error()
}

func (r *rueidisClient) close() { r.c.Close() }

// addArgs are a web API key session's fields: method, holder, issued, deadline (an hour on),
// idle 0.
func addArgs(now int64) []any {
	return []any{"2", "bench-user|org|unit", strconv.FormatInt(now, 10),
		strconv.FormatInt(now+int64(time.Hour), 10), "0"}
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return "crmauth:s:" + hex.EncodeToString(b[:])
}

var libraries = []struct {
	name string
	open func(addr string) client
}{
	{"go-redis", newGoRedis},
	{"go-redis-pool64", newGoRedis64},
	{"rueidis", newRueidis},
}

// TestScripts checks that both libraries run the scripts the benchmark measures and get the
// same answers, so the benchmark compares the same work.
func TestScripts(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	for _, lib := range libraries {
		c := lib.open(srv.Addr)
		defer c.close()
		key := newKey()
		now := time.Now().UnixNano()
		if st, err := c.use(ctx, key, now); err != nil || st != 0 {
			t.Errorf("%s: use before add = %d, %v; want 0 (unknown)", lib.name, st, err)
		}
		if err := c.add(ctx, key, now); err != nil {
			t.Fatalf("%s: add: %v", lib.name, err)
		}
		if st, err := c.use(ctx, key, now+1); err != nil || st != 1 {
			t.Errorf("%s: use = %d, %v; want 1 (live)", lib.name, st, err)
		}
		if st, err := c.use(ctx, key, now+int64(time.Hour)); err != nil || st != 2 {
			t.Errorf("%s: use at the deadline = %d, %v; want 2 (expired)", lib.name, st, err)
		}
		if ttl, err := srv.Do("PTTL", key); err != nil || ttl.(int64) <= 0 {
			t.Errorf("%s: PTTL = %v, %v; want a TTL", lib.name, ttl, err)
		}
	}
}

func BenchmarkUse(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	for _, lib := range libraries {
		b.Run(lib.name, func(b *testing.B) {
			c := lib.open(srv.Addr)
			defer c.close()
			ctx := context.Background()
			keys := make([]string, sessions)
			now := time.Now().UnixNano()
			for i := range keys {
				keys[i] = newKey()
				if err := c.add(ctx, keys[i], now); err != nil {
					b.Fatal(err)
				}
			}
			measure(b, func(i int) error {
				state, err := c.use(ctx, keys[i%sessions], time.Now().UnixNano())
				if err == nil && state != 1 {
					err = fmt.Errorf("use answered state %d, want 1 (live)", state)
				}
				return err
			})
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	for _, lib := range libraries {
		b.Run(lib.name, func(b *testing.B) {
			c := lib.open(srv.Addr)
			defer c.close()
			ctx := context.Background()
			measure(b, func(int) error { return c.add(ctx, newKey(), time.Now().UnixNano()) })
			b.StopTimer()
			srv.Do("FLUSHALL")
		})
	}
}

// measure runs op b.N times over workers goroutines and reports ops/s and the p50 and p99
// latency of one op.
func measure(b *testing.B, op func(i int) error) {
	b.Helper()
	var (
		mu    sync.Mutex
		lats  []time.Duration
		wg    sync.WaitGroup
		first error
	)
	work := make(chan int, workers)
	b.ResetTimer()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/workers+1)
			for i := range work {
				t0 := time.Now()
				if err := op(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	for i := range b.N {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}
	slices.Sort(lats)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
}
