package redisstate_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
	"github.com/crmcom-community/crmauth/serverimpl/throttle/countertest"
)

var ctx = context.Background()

// prefixes gives every store in a test binary keys of its own, so cases sharing one
// redis-server do not see each other.
var prefixes atomic.Int64

func uniquePrefix() string { return fmt.Sprintf("t%d:", prefixes.Add(1)) }

// open connects to url with a fresh prefix and closes the state with the test.
func open(t testing.TB, url string, cfg redisstate.Config) *redisstate.State {
	t.Helper()
	cfg.URL = url
	if cfg.Prefix == "" {
		cfg.Prefix = uniquePrefix()
	}
	st, err := redisstate.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// clusterURL is the documented Cluster form for a redistest cluster.
func clusterURL(c *redistest.Cluster) string {
	a := c.Addrs()
	return "redis://" + a[0] + "?addr=" + strings.Join(a[1:], "&addr=")
}

// throttleAccounts is the brake's account counts as serverimpl configures them.
func throttleAccounts() throttle.Config {
	return throttle.Config{Name: "accounts", MaxFailures: serverimpl.DefaultMaxFailures, Window: serverimpl.DefaultFailureWindow}
}

func TestFailuresContractSingleNode(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	countertest.Run(t, func(t *testing.T) countertest.Store {
		st := open(t, srv.URL(), redisstate.Config{})
		return func(cfg throttle.Config) throttle.Counter { return st.Failures(cfg) }
	})
}
