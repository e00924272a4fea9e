package redisstate

import (
	"context"
	"time"
)

// backend is what the state needs from a Redis client; rueidis.go implements it.
type backend interface {
	ping(ctx context.Context) error
	cluster() bool
	close() error
	load(scripts ...*script)
	run(ctx context.Context, s *script, key string, args ...any) (int64, error)
	runKeys(ctx context.Context, s *script, keys []string, args ...any) (int64, error)
	runInts(ctx context.Context, s *script, keys []string, args ...any) ([]int64, error)
	get(ctx context.Context, key string) ([]byte, bool, error)
	set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	setNXGet(ctx context.Context, key string, value []byte) ([]byte, error)
	hmgetIntsEach(ctx context.Context, qs []hmget) ([][]int64, []bool, error)
	del(ctx context.Context, key string) error
	getEach(ctx context.Context, keys []string) ([][]byte, error)
	unlinkEach(ctx context.Context, keys []string) error
	scan(ctx context.Context, pattern string, fn func(keys []string) error) error
	subscribe(ctx context.Context, channel string, fn func(payload string))
	lrange(ctx context.Context, key string) ([]string, error)
	hincrBy(ctx context.Context, key, field string, n int64) error
	hgetAll(ctx context.Context, key string) (map[string]string, error)
}

// hmget asks for integer fields of one hash.
type hmget struct {
	key    string
	fields []string
}

// script is a Lua script run on one key, or on keys of one Cluster slot (runKeys).
type script struct{ src string }

// allScripts are loaded into the client at Open.
var allScripts = []*script{useScript, endScript, failScript, attemptScript, advanceScript, setOffsetScript, appendScript, readOffsetScript}
