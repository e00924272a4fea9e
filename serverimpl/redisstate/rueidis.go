package redisstate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/rueidis"
)

// This file is the only one that knows the Redis client library (rueidis): everything else
// talks to the backend interface.
//
// rueidis was chosen by a measured comparison (internal/redisclients, docs/redis.md): it
// pipelines the concurrent commands of every request over one connection per node instead of
// one pooled connection per command in flight, about twice the operations per second of
// go-redis on this project's hot path, with a lower p99.

// rueidisBackend is the backend on a rueidis client: a single node, Sentinel or Cluster.
type rueidisBackend struct {
	c       rueidis.Client
	scripts map[*script]*rueidis.Lua
}

var _ backend = (*rueidisBackend)(nil)

// dialRueidis builds a client for rawURL (see Config.URL for the forms) with every time-out
// set to timeout, and connects at once: an error means Redis did not answer.
//
// No command is ever retried by the client: DisableRetry stops rueidis retrying read-only
// commands, and it never retries a write or a script by itself. A script whose reply was
// lost (Redis closed the connection mid-reply) may have run: running it again would answer a
// release that happened "already released", so the caller gets an error (503) instead.
// Redirections in Cluster (MOVED, ASK) are still followed: the command did not run there.
func dialRueidis(rawURL string, timeout time.Duration) (*rueidisBackend, error) {
	opt, err := rueidis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", scrub(err))
	}
	if opt.Sentinel.MasterSet == "" {
		// go-redis's name for it, which earlier versions of this package documented.
		if u, err := url.Parse(rawURL); err == nil {
			opt.Sentinel.MasterSet = u.Query().Get("master_name")
		}
	}
	opt.DisableCache = true // client-side caching: not for keys other replicas write
	opt.DisableRetry = true // see above
	// Each operation's context carries the time-out (State.bound); these bound what has no
	// context: dialling, and a connection whose replies stopped coming.
	opt.ConnWriteTimeout = timeout
	opt.Dialer.Timeout = timeout
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", scrub(err))
	}
	return &rueidisBackend{c: c, scripts: map[*script]*rueidis.Lua{}}, nil
}

// scrub keeps an error about a URL from repeating the URL (and its password).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Op + ": " + ue.Err.Error())
	}
	return err
}

func (r *rueidisBackend) close() error { r.c.Close(); return nil }

func (r *rueidisBackend) cluster() bool { return r.c.Mode() == rueidis.ClientModeCluster }

// ping asks every node the client knows (every Cluster node).
func (r *rueidisBackend) ping(ctx context.Context) error {
	for _, n := range r.c.Nodes() {
		if err := n.Do(ctx, n.B().Ping().Build()).Error(); err != nil {
			return err
		}
	}
	return nil
}

// load prepares scripts; call before any run, from one goroutine. Exec sends EVALSHA, and
// EVAL when Redis does not have the script yet (after a restart, on a new node).
func (r *rueidisBackend) load(scripts ...*script) {
	for _, s := range scripts {
		r.scripts[s] = rueidis.NewLuaScript(s.src)
	}
}

// strs is a script's arguments as Redis strings.
func strs(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = v
		case []byte:
			out[i] = string(v)
		case int:
			out[i] = strconv.Itoa(v)
		case int64:
			out[i] = strconv.FormatInt(v, 10)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

// run runs a script on its key's node and returns its integer answer.
func (r *rueidisBackend) run(ctx context.Context, s *script, key string, args ...any) (int64, error) {
	return r.runKeys(ctx, s, []string{key}, args...)
}

// runKeys runs a script on keys of one slot (one hash tag) and returns its integer answer.
func (r *rueidisBackend) runKeys(ctx context.Context, s *script, keys []string, args ...any) (int64, error) {
	return r.scripts[s].Exec(ctx, r.c, keys, strs(args)).AsInt64()
}

// runInts runs a script on keys of one slot (any keys on a single node) and returns its
// answer, an array of integers.
func (r *rueidisBackend) runInts(ctx context.Context, s *script, keys []string, args ...any) ([]int64, error) {
	return r.scripts[s].Exec(ctx, r.c, keys, strs(args)).AsIntSlice()
}

// get reads a string key; ok is false when it does not exist.
func (r *rueidisBackend) get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := r.c.Do(ctx, r.c.B().Get().Key(key).Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func (r *rueidisBackend) set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	b := r.c.B().Set().Key(key).Value(rueidis.BinaryString(value))
	if ttl > 0 {
		return r.c.Do(ctx, b.Px(ttl).Build()).Error()
	}
	return r.c.Do(ctx, b.Build()).Error()
}

// setNXGet sets key to value unless it exists, and returns the value it then has.
func (r *rueidisBackend) setNXGet(ctx context.Context, key string, value []byte) ([]byte, error) {
	v, err := r.c.Do(ctx, r.c.B().Set().Key(key).Value(rueidis.BinaryString(value)).Nx().Get().Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return value, nil // did not exist: ours is set
	}
	return v, err
}

// hmgetIntsEach reads integer fields of several hashes, of any slots, in one pipeline (in
// Cluster one per node, at once). A hash missing a field (or missing) has ok false and zeros.
func (r *rueidisBackend) hmgetIntsEach(ctx context.Context, qs []hmget) ([][]int64, []bool, error) {
	cmds := make(rueidis.Commands, len(qs))
	for i, q := range qs {
		cmds[i] = r.c.B().Hmget().Key(q.key).Field(q.fields...).Build()
	}
	values := make([][]int64, len(qs))
	oks := make([]bool, len(qs))
	for i, res := range r.c.DoMulti(ctx, cmds...) {
		vs, err := res.ToArray()
		if err != nil {
			return nil, nil, err
		}
		values[i], oks[i] = make([]int64, len(vs)), true
		for j := range vs {
			s, err := vs[j].ToString()
			if err != nil {
				oks[i] = false
				continue
			}
			if values[i][j], err = strconv.ParseInt(s, 10, 64); err != nil {
				return nil, nil, fmt.Errorf("redis: hash %s field %s is not an integer", qs[i].key, qs[i].fields[j])
			}
		}
	}
	return values, oks, nil
}

func (r *rueidisBackend) del(ctx context.Context, key string) error {
	return r.c.Do(ctx, r.c.B().Unlink().Key(key).Build()).Error()
}

// getEach reads string keys of any slots in one pipeline; a missing key is nil.
func (r *rueidisBackend) getEach(ctx context.Context, keys []string) ([][]byte, error) {
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = r.c.B().Get().Key(k).Build()
	}
	out := make([][]byte, len(keys))
	for i, res := range r.c.DoMulti(ctx, cmds...) {
		b, err := res.AsBytes()
		if err != nil && !rueidis.IsRedisNil(err) {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// unlinkEach removes keys of any slots in one pipeline (one UNLINK per key: in Cluster a
// command's keys must share a slot).
func (r *rueidisBackend) unlinkEach(ctx context.Context, keys []string) error {
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = r.c.B().Unlink().Key(k).Build()
	}
	for _, res := range r.c.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return err
		}
	}
	return nil
}

// scan calls fn with batches of the keys matching pattern, on every node in turn (so fn
// runs on one goroutine and can stop the whole scan). A key may come twice (SCAN's own
// guarantee, and a Cluster replica holds its master's keys); callers that count deduplicate.
func (r *rueidisBackend) scan(ctx context.Context, pattern string, fn func(keys []string) error) error {
	for _, n := range r.c.Nodes() {
		var cursor uint64
		for {
			e, err := n.Do(ctx, n.B().Scan().Cursor(cursor).Match(pattern).Count(scanCount).Build()).AsScanEntry()
			if err != nil {
				return err
			}
			if len(e.Elements) > 0 {
				if err := fn(e.Elements); err != nil {
					return err
				}
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	return nil
}

// scanCount is how many keys one SCAN call looks at.
const scanCount = 1000

// errStop ends a scan early without being an error.
var errStop = errors.New("stop")

// subscribe delivers the messages published on channel to fn until ctx ends. Receive returns
// when its connection fails; it subscribes again after a pause, for as long as Redis is down.
func (r *rueidisBackend) subscribe(ctx context.Context, channel string, fn func(payload string)) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	for ctx.Err() == nil {
		_ = r.c.Receive(ctx, r.c.B().Subscribe().Channel(channel).Build(), func(m rueidis.PubSubMessage) { fn(m.Message) })
		pause.Reset(resubscribePause)
		select {
		case <-ctx.Done():
		case <-pause.C:
		}
	}
}

// resubscribePause is how long a failed subscription waits before trying again: the clock
// is read every ClockRefresh anyway, so this only bounds the attempts while Redis is down.
const resubscribePause = 100 * time.Millisecond

// lrange is the whole list at key, head first.
func (r *rueidisBackend) lrange(ctx context.Context, key string) ([]string, error) {
	return r.c.Do(ctx, r.c.B().Lrange().Key(key).Start(0).Stop(-1).Build()).AsStrSlice()
}

func (r *rueidisBackend) hincrBy(ctx context.Context, key, field string, n int64) error {
	return r.c.Do(ctx, r.c.B().Hincrby().Key(key).Field(field).Increment(n).Build()).Error()
}

func (r *rueidisBackend) hgetAll(ctx context.Context, key string) (map[string]string, error) {
	return r.c.Do(ctx, r.c.B().Hgetall().Key(key).Build()).AsStrMap()
}
