package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

// redisScenarios are the scenarios that keep the stub's sessions in Redis: they need a
// redis-server, which the driver starts itself.
const redisScenarios = "fg"

// startRedis starts the redis-server (f) and (g) use, on a free loopback port with a
// temporary directory and no persistence. By default it is not pinned (-redis-cpu any: the OS
// runs it where there is room, as Redis is not the stub's own work); -redis-cpu client puts it
// on the load generator's CPU, server on the stub's (the stub and its store on one core, the
// strictest budget). Without redis-server it returns the scenarios without (f) and (g) and
// says why on w.
func startRedis(o options, serverCPU, clientCPU int, w io.Writer) (srv *redistest.Server, scenarios string, err error) {
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
	cpu := -1
	switch o.redisCPU {
	case "server":
		cpu = serverCPU
	case "client":
		if serverCPU >= 0 {
			cpu = clientCPU
		}
	case "any":
	default:
		srv.Close()
		return nil, "", fmt.Errorf("-redis-cpu %q: use server, client or any", o.redisCPU)
	}
	if cpu >= 0 {
		if err := pinProcessToCPU(srv.PID(), cpu); err != nil {
			fmt.Fprintln(w, "crmauth-bench: redis-server not pinned:", err)
		}
	}
	fmt.Fprintf(w, "crmauth-bench: redis-server for (f) and (g) on CPU %s\n", map[bool]string{true: strconv.Itoa(cpu), false: "any"}[cpu >= 0])
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
