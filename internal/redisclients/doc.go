// Package redisclients holds only a benchmark: the two Redis clients the issue allows, go-redis
// v9 and rueidis, on the stub's hot path (a session's Use as EVALSHA of a small Lua script that
// reads and updates one key with a TTL, and Add), 64 concurrent workers against a real local
// redis-server. It is how the Redis store's client was chosen; see compare_test.go and
// docs/redis.md.
//
//	go test ./internal/redisclients -run '^$' -bench . -benchtime 3s
package redisclients
