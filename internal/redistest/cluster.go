package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cluster is a Redis Cluster of three masters (no replicas) on 127.0.0.1, each node a Server
// with its own directory and cluster bus port.
type Cluster struct {
	Nodes []*Server
	dir   string // removed by Close when LaunchCluster created it
}

// ClusterSize is the number of masters LaunchCluster starts: the fewest redis-cli accepts.
const ClusterSize = 3

// LaunchCluster starts ClusterSize cluster-enabled redis-servers, joins them with
// `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, and returns once every node
// reports cluster_state:ok. cfg applies to every node; cfg.Dir, if set, holds one subdirectory
// per node. The caller must Close it.
func LaunchCluster(cfg Config) (*Cluster, error) {
	if err := Binaries("redis-server", "redis-cli"); err != nil {
		return nil, err
	}
	c := &Cluster{}
	root := cfg.Dir
	if root == "" {
		d, err := os.MkdirTemp("", "redistest-cluster-")
		if err != nil {
			return nil, err
		}
		root, c.dir = d, d
	}
	fail := func(err error) (*Cluster, error) {
		c.Close()
		return nil, err
	}
	for i := range ClusterSize {
		node := cfg
		node.Dir = filepath.Join(root, "node"+strconv.Itoa(i))
		if err := os.MkdirAll(node.Dir, 0o700); err != nil {
			return fail(err)
		}
		bus, err := freePort()
		if err != nil {
			return fail(err)
		}
		node.clusterPort = bus
		s, err := Launch(node)
		if err != nil {
			return fail(err)
		}
		c.Nodes = append(c.Nodes, s)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		return fail(fmt.Errorf("redistest: redis-cli --cluster create: %v: %s", err, lastLines(string(out), 5)))
	}
	if err := c.waitOK(30 * time.Second); err != nil {
		return fail(err)
	}
	return c, nil
}

// Addrs are the nodes' "127.0.0.1:port" addresses, in start order.
func (c *Cluster) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		a[i] = n.Addr
	}
	return a
}

// waitOK polls CLUSTER INFO on every node until each says cluster_state:ok (every slot
// assigned and every node agreeing), bounded by timeout.
func (c *Cluster) waitOK(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pending := ""
		for _, n := range c.Nodes {
			reply, err := Command(n.Addr, time.Second, "CLUSTER", "INFO")
			info, _ := reply.(string)
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				pending = n.Addr
				break
			}
		}
		if pending == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("redistest: cluster not ok within " + timeout.String() + " (node " + pending + ")")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close kills every node and removes the directories LaunchCluster created.
func (c *Cluster) Close() error {
	for _, n := range c.Nodes {
		n.Close()
	}
	if c.dir != "" {
		return os.RemoveAll(c.dir)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
