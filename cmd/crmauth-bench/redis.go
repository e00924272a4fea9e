package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

// redisScenarios are the scenarios that keep the stub's sessions in Redis: they need a
// redis-server, which the driver starts itself.
const redisScenarios = "fg"

// startRedis starts the redis-server (f) and (g) use, on a free loopback port with a
// temporary directory and no persistence, pinned to the server's CPU when the processes are
// pinned: the stub and its store share the server's core, as they share a machine's budget.
// Without redis-server it returns the scenarios without (f) and (g) and says why on w.
func startRedis(o options, serverCPU int, w io.Writer) (srv *redistest.Server, scenarios string, err error) {
	if !strings.ContainsAny(o.scenarios, redisScenarios) {
		return nil, o.scenarios, nil
	}
	srv, err = redistest.Launch(redistest.Config{})
	if errors.Is(err, redistest.ErrNotInstalled) {
		fmt.Fprintf(w, "crmauth-bench: skipping (f) and (g): %v\n", err)
		return nil, strings.Map(func(r rune) rune {
			if strings.ContainsRune(redisScenarios, r) {
				return -1
			}
			return r
		}, o.scenarios), nil
	}
	if err != nil {
		return nil, "", err
	}
	if serverCPU >= 0 {
		if err := pinProcessToCPU(srv.PID(), serverCPU); err != nil {
			fmt.Fprintln(w, "crmauth-bench: redis-server not pinned:", err)
		}
	}
	return srv, o.scenarios, nil
}

// buildRedisStub is buildStub's stub with its state in the Redis at url: sessions, failure
// counts (the secret stays fixed, as in buildStub). Its log is discarded, as buildStub's is.
func buildRedisStub(ctx context.Context, url string) (*serverimpl.Stub, io.Closer, error) {
	st, err := redisstate.Open(ctx, redisstate.Config{URL: url, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, err
	}
	opts := stubOptions()
	if err := st.Configure(ctx, &opts); err != nil {
		st.Close()
		return nil, nil, err
	}
	stub, err := serverimpl.New(opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return stub, st, nil
}
