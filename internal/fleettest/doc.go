// Package fleettest holds only tests: three replica processes of the built `crmauth serve
// --redis-url` sharing one real redis-server, driven by a round-robin client, proving that N
// replicas behave exactly like one stub — through a replica killed with SIGKILL and restarted,
// an advanced clock, Redis restarted with its append-only file, and Redis stopped and back;
// and that a clock move answered on one replica decides the very next request on every other
// (TestClockMoveSeenAtOnce: 1,000 rounds per case, 100 under -race or -short, where the
// replicas are the same plain binary and the rounds only exercise the client), also for a
// replica cut off from Redis meanwhile (TestClockMoveWhileCutOff).
//
//	go test ./internal/fleettest -v                                  # 20 s of load (5 s with -race)
//	CRMAUTH_FLEET_DURATION=5s go test ./internal/fleettest -v        # shorter
//
// It needs redis-server (Debian package redis-server): without it the tests skip, with CI=true
// they fail.
package fleettest
