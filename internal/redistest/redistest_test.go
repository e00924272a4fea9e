package redistest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

func TestServerAnswersAndStops(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	if _, err := s.Do("SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Do("GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k = %v, %v; want v", v, err)
	}
	if v, _ := s.Do("CONFIG", "GET", "appendonly"); !strings.Contains(strings.Join(strs(v), " "), "no") {
		t.Errorf("appendonly = %v, want no", v)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("Running after Stop")
	}
	if _, err := redistest.Command(s.Addr, time.Second, "PING"); err == nil {
		t.Fatal("PING answered after Stop")
	}
	// Without an append-only file a restart starts empty.
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Do("GET", "k"); err != nil || v != nil {
		t.Fatalf("GET k after restart without appendonly = %v, %v; want nil", v, err)
	}
}

func TestAppendOnlyRestartKeepsData(t *testing.T) {
	s := redistest.Start(t, redistest.Config{AppendOnly: true})
	addr := s.Addr
	if _, err := s.Do("SET", "k", "v", "EX", "600"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr != addr {
		t.Fatalf("Addr after Restart = %s, want %s", s.Addr, addr)
	}
	if v, err := s.Do("GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k after Restart = %v, %v; want v", v, err)
	}
	if ttl, err := s.Do("TTL", "k"); err != nil || ttl.(int64) <= 0 {
		t.Fatalf("TTL k after Restart = %v, %v; want > 0", ttl, err)
	}
}

func TestKillWithFsyncAlwaysKeepsData(t *testing.T) {
	s := redistest.Start(t, redistest.Config{AppendOnly: true, AppendFsync: "always"})
	if _, err := s.Do("SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if s.Running() {
		t.Fatal("Running after Kill")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Do("GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k after Kill and Start = %v, %v; want v", v, err)
	}
}

func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t, redistest.Config{})
	if len(c.Nodes) != redistest.ClusterSize {
		t.Fatalf("%d nodes, want %d", len(c.Nodes), redistest.ClusterSize)
	}
	masters := 0
	for _, n := range c.Nodes {
		info, err := n.Do("CLUSTER", "INFO")
		if err != nil || !strings.Contains(info.(string), "cluster_state:ok") {
			t.Fatalf("%s CLUSTER INFO = %v, %v", n.Addr, info, err)
		}
		role, err := n.Do("ROLE")
		if err != nil {
			t.Fatal(err)
		}
		if strs(role)[0] == "master" {
			masters++
		}
	}
	if masters != redistest.ClusterSize {
		t.Fatalf("%d masters, want %d", masters, redistest.ClusterSize)
	}
	// Keys spread over the nodes: a key on the wrong node is answered with MOVED.
	moved := 0
	for _, n := range c.Nodes {
		if _, err := n.Do("SET", "some-key", "v"); err != nil && strings.HasPrefix(err.Error(), "MOVED") {
			moved++
		}
	}
	if moved != redistest.ClusterSize-1 {
		t.Fatalf("%d nodes answered MOVED for one key, want %d", moved, redistest.ClusterSize-1)
	}
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, len(a))
	for i, x := range a {
		out[i], _ = x.(string)
	}
	return out
}
