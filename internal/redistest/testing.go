package redistest

import (
	"os"
	"testing"
)

// Start launches a redis-server for the test (see Launch) in a directory under t.TempDir and
// kills it in t.Cleanup. Without redis-server in PATH the test skips with the reason; with
// CI=true it fails instead, because CI installs it.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	Require(t, "redis-server")
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := Launch(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// StartCluster launches a three-master Redis Cluster for the test (see LaunchCluster) and
// kills it in t.Cleanup; it skips or fails like Start when redis-server or redis-cli is missing.
func StartCluster(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	Require(t, "redis-server", "redis-cli")
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	c, err := LaunchCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Require skips the test when a program is missing from PATH, or fails it when CI=true.
func Require(t testing.TB, programs ...string) {
	t.Helper()
	err := Binaries(programs...)
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(err.Error() + "; CI=true, so this is a failure, not a skip")
	}
	t.Skip(err.Error())
}
