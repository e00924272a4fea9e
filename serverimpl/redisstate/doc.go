// Package redisstate keeps the stub's shared state in Redis (or Valkey), so that several
// replicas of `crmauth serve` behind a load balancer act as one stub and tokens survive a
// restart: sessions (a sessions.Store), the brute-force brake's failure counts, the admin
// clock's offset and the signing secret.
//
// It is a package of its own so that nothing that does not use Redis links a Redis client:
// serverimpl only defines the interfaces (sessions.Store, throttle.Counter,
// serverimpl.SharedOffset) and this package implements them. Only rueidis.go knows the client
// library.
//
// Keys, all under Config.Prefix (default "crmauth:"):
//
//	crmauth:s:{<jti>}        a session: one binary string (see encoding.go), TTL = time left
//	crmauth:f:<name>:<key>   a failure window of the brake: hash {s: start ms, n: failures}
//	crmauth:clock            the admin clock's offset: hash {o: offset µs, v: moves so far}
//	crmauth:secret           the signing secret, created once with SET NX
//
// Every operation that reads and then writes is one Lua script on one key, so it is atomic
// however many replicas race, and in Cluster each script touches one slot (a session's key
// carries its jti as {hash tag}). With the admin clock (Offset), the scripts also read the
// clock's offset and decide with it, so that a move answered on one replica decides every later
// request on all (on a Cluster the offset is read just before: it is on another slot).
package redisstate
