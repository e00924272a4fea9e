package redisstate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file is the only one that knows the Redis client library (go-redis v9): everything
// else talks to the backend interface, so trying another client (rueidis) is one more file.

// goRedis is the backend on a go-redis UniversalClient: a single node, Sentinel (FailoverClient)
// or Cluster.
type goRedis struct {
	client  redis.UniversalClient
	cluster *redis.ClusterClient // nil unless Cluster
	scripts map[*script]*redis.Script
}

// dialGoRedis builds a client for rawURL (see Config.URL for the forms) with every time-out
// set to timeout. It does not connect: go-redis dials on first use.
func dialGoRedis(rawURL string, forceCluster bool, timeout time.Duration) (*goRedis, error) {
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("redis URL: not a URL") // url's error repeats the URL, password included
	}
	q := u.Query()
	g := &goRedis{scripts: map[*script]*redis.Script{}}
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL (Sentinel): %w", scrub(err))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
		o.ContextTimeoutEnabled = true
		o.DialerRetries = 1 // refused: answer 503 at once, not after five tries
		g.client = redis.NewFailoverClient(o)
	case forceCluster || q.Has("addr"):
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL (Cluster): %w", scrub(err))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
		o.ContextTimeoutEnabled = true
		o.DialerRetries = 1 // refused: answer 503 at once, not after five tries
		g.cluster = redis.NewClusterClient(o)
		g.client = g.cluster
	default:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %w", scrub(err))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
		o.ContextTimeoutEnabled = true
		o.DialerRetries = 1 // refused: answer 503 at once, not after five tries
		g.client = redis.NewClient(o)
	}
	return g, nil
}

// quiet drops go-redis's own log lines (one per failed dial, every request while Redis is
// down): State logs an outage once, and its end once.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once

// scrub keeps an error about a URL from repeating the URL (and its password).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Op + ": " + ue.Err.Error())
	}
	return err
}

func (g *goRedis) close() error { return g.client.Close() }

// eachMaster runs fn on every master in turn (not at once, unlike ForEachMaster: a scan's
// callback then runs on one goroutine and can stop the whole scan): the one node, or every
// Cluster master.
func (g *goRedis) eachMaster(ctx context.Context, fn func(ctx context.Context, c redis.Cmdable) error) error {
	if g.cluster == nil {
		return fn(ctx, g.client)
	}
	var mu sync.Mutex
	var masters []*redis.Client
	err := g.cluster.ForEachMaster(ctx, func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		masters = append(masters, c)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range masters {
		if err := fn(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (g *goRedis) ping(ctx context.Context) error {
	return g.eachMaster(ctx, func(ctx context.Context, c redis.Cmdable) error { return c.Ping(ctx).Err() })
}

// run runs a script on its key's node (EVALSHA, then EVAL if Redis does not have it yet) and
// returns its integer answer.
func (g *goRedis) run(ctx context.Context, s *script, key string, args ...any) (int64, error) {
	rs := g.scripts[s]
	return rs.Run(ctx, g.client, []string{key}, args...).Int64()
}

// runList is run for a script that answers a list of integers.
func (g *goRedis) runList(ctx context.Context, s *script, key string, args ...any) ([]int64, error) {
	rs := g.scripts[s]
	return rs.Run(ctx, g.client, []string{key}, args...).Int64Slice()
}

// load prepares scripts; call before any run, from one goroutine.
func (g *goRedis) load(scripts ...*script) {
	for _, s := range scripts {
		g.scripts[s] = redis.NewScript(s.src)
	}
}

// get reads a string key; ok is false when it does not exist.
func (g *goRedis) get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	v, err := g.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func (g *goRedis) set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return g.client.Set(ctx, key, value, ttl).Err()
}

// setNX sets key to value unless it exists, and returns the value it then has.
func (g *goRedis) setNXGet(ctx context.Context, key string, value []byte) ([]byte, error) {
	v, err := g.client.SetArgs(ctx, key, value, redis.SetArgs{Mode: "NX", Get: true}).Bytes()
	if errors.Is(err, redis.Nil) {
		return value, nil // did not exist: ours is set
	}
	return v, err
}

// hmget reads hash fields as integers; a missing field (or key) is 0, ok false.
func (g *goRedis) hmgetInts(ctx context.Context, key string, fields ...string) ([]int64, bool, error) {
	vs, err := g.client.HMGet(ctx, key, fields...).Result()
	if err != nil {
		return nil, false, err
	}
	out := make([]int64, len(vs))
	ok := true
	for i, v := range vs {
		s, isString := v.(string)
		if !isString {
			ok = false
			continue
		}
		if _, err := fmt.Sscan(s, &out[i]); err != nil {
			return nil, false, fmt.Errorf("redis: hash %s field %s is not an integer", key, fields[i])
		}
	}
	return out, ok, nil
}

func (g *goRedis) del(ctx context.Context, key string) error {
	return g.client.Unlink(ctx, key).Err()
}

// getEach reads string keys of any slots in one pipeline; a missing key is nil.
func (g *goRedis) getEach(ctx context.Context, keys []string) ([][]byte, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := g.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			out[i] = b
		}
	}
	return out, nil
}

// unlinkEach removes keys of any slots in one pipeline (one UNLINK per key: in Cluster a
// command's keys must share a slot).
func (g *goRedis) unlinkEach(ctx context.Context, keys []string) error {
	_, err := g.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Unlink(ctx, k)
		}
		return nil
	})
	return err
}

// scan calls fn with batches of the keys matching pattern, on every master. A key may come
// twice (SCAN's own guarantee); callers that count deduplicate.
func (g *goRedis) scan(ctx context.Context, pattern string, fn func(keys []string) error) error {
	return g.eachMaster(ctx, func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				if err := fn(keys); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	})
}

// scanCount is how many keys one SCAN call looks at.
const scanCount = 1000

// errStop ends a scan early without being an error.
var errStop = errors.New("stop")

// subscribe delivers the messages published on channel to fn until ctx ends; go-redis
// reconnects (and resubscribes) by itself after a failure.
func (g *goRedis) subscribe(ctx context.Context, channel string, fn func(payload string)) {
	ps := g.client.Subscribe(ctx, channel)
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			fn(m.Payload)
		}
	}
}

// memoryUsage is MEMORY USAGE key (bytes), for tests and the docs' figures.
func (g *goRedis) memoryUsage(ctx context.Context, key string) (int64, error) {
	return g.client.MemoryUsage(ctx, key).Result()
}

// lrange is the whole list at key, head first.
func (g *goRedis) lrange(ctx context.Context, key string) ([]string, error) {
	return g.client.LRange(ctx, key, 0, -1).Result()
}

func (g *goRedis) hincrBy(ctx context.Context, key, field string, n int64) error {
	return g.client.HIncrBy(ctx, key, field, n).Err()
}

func (g *goRedis) hgetAll(ctx context.Context, key string) (map[string]string, error) {
	return g.client.HGetAll(ctx, key).Result()
}
