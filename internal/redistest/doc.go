// Package redistest starts real redis-server processes for tests and benchmarks: a single node
// on a free loopback port with its own temporary directory (optionally with an append-only
// file, so a restart keeps the data), and a three-master Redis Cluster built with
// redis-cli --cluster create.
//
// It links no Redis client: readiness and the few commands tests need go over a raw RESP
// connection (resp.go). Only Redis tests and the benchmark import it.
//
// Tests call Start or StartCluster: without the binaries they skip with the reason, and with
// CI=true they fail instead, because CI installs them. Programs (cmd/crmauth-bench) call Launch
// and handle the error themselves.
package redistest
