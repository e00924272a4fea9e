// Command crmauth-bench measures the stub on loopback against the physical limit of the same
// machine in the same run: a bare Echo handler that returns a token answer it did not compute.
// `make bench` runs it.
//
// It starts the servers under test in a child process (`crmauth-bench target`) and drives them
// from this process with a closed-loop generator (internal/loadgen): fixed workers, one request
// in flight each, for a fixed time. Server and generator each get GOMAXPROCS=1 by default, the
// same for every scenario, so on a 2-core machine each side has one core and the ratios
// compare like with like.
//
// Scenarios:
//
//	a  bare Echo, POST returning a real token answer captured at start-up (same bytes, same size)
//	b  web_api_key/token through the whole stub (validation, key check, session, signing)
//	c  authentication/token with the fixture user's plain-text password
//	d  token/release of tokens pre-issued before the run (release alone is measured)
//	e  the stub's exported token check (RequireToken, with a login token) in front of a route
//	   mounted on the stub's Echo that returns the same answer as a
//	f  b with the stub's sessions and failure counts in Redis (a redis-server the driver starts
//	   on loopback, where -redis-cpu says; skipped, saying why, without redis-server)
//	g  e with the sessions in Redis: every check is a round trip to it
//	h  a GET (login token as the token parameter) through the gateway of j's `crmauth serve`
//	   (request log and journal on) to an upstream in the target process answering with a's bytes
//	i  the same GET on that upstream directly: h's latency minus i's is what the gateway adds
//	j  b on the built `crmauth serve` binary as a user runs it: its defaults, request log on
//	   (stderr to a file), journal on; its own process, pinned and sized like the target
//	k  the same binary with --log-level warn (no request log): j/k is the request log's cost
//	l  h's GET through a bare httputil.ReverseProxy with the gateway's connection reuse, in a
//	   process of its own (`crmauth-bench proxy`): h/l is what the gateway adds to proxying
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "proxy" {
		if err := runProxy(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "crmauth-bench proxy:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "target" {
		if err := runTarget(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "crmauth-bench target:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crmauth-bench:", err)
		os.Exit(1)
	}
}

// options are the driver's flags.
type options struct {
	duration    time.Duration
	rounds      int
	warmup      time.Duration
	settle      time.Duration
	workers     int
	serverProcs int
	clientProcs int
	scenarios   string
	smoke       bool
	profileDir  string
	pin         bool
	// redisCPU is where (f) and (g)'s redis-server runs when the processes are pinned: "any"
	// (not pinned: Redis is not the stub's own work), "client" (with the load generator) or
	// "server" (with the stub: the strictest budget).
	redisCPU string
	// crmauth is a built crmauth binary for (h), (j) and (k); empty: go build it.
	crmauth string
	// pinned is set by run: whether the two processes each own a CPU.
	pinned bool
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("crmauth-bench", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", time.Second, "measured time per scenario and round")
	fs.IntVar(&o.rounds, "rounds", 7, "rounds: each runs every scenario once, in turn")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up per scenario, before its first round")
	fs.DurationVar(&o.settle, "settle", 200*time.Millisecond, "unmeasured run before each later round of a scenario")
	fs.IntVar(&o.workers, "workers", 8, "closed-loop concurrency: connections, one request in flight each")
	fs.IntVar(&o.serverProcs, "server-procs", 1, "GOMAXPROCS of the server process")
	fs.IntVar(&o.clientProcs, "client-procs", 1, "GOMAXPROCS of the load generator")
	fs.StringVar(&o.scenarios, "scenarios", "abcdefghijkl", "scenarios to run, by letter")
	fs.StringVar(&o.crmauth, "crmauth", "", "the crmauth binary (h), (j) and (k) run (default: go build ./cmd/crmauth into a temporary directory)")
	fs.BoolVar(&o.smoke, "smoke", false, "fail unless every scenario made requests without errors (figures are not judged)")
	fs.BoolVar(&o.pin, "pin", true, "on Linux with 2+ CPUs, pin the server to CPU 0 and the load generator to CPU 1")
	fs.StringVar(&o.redisCPU, "redis-cpu", "any", "with -pin, the CPU of (f) and (g)'s redis-server: server (shares the stub's), client (shares the load generator's) or any (not pinned)")
	fs.StringVar(&o.profileDir, "cpuprofile", "", "write the server's CPU profile of each scenario to DIR/<letter>.pprof")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.workers < 1 || o.serverProcs < 1 || o.clientProcs < 1 || o.rounds < 1 || o.duration <= 0 || o.warmup < 0 || o.settle < 0 {
		return o, fmt.Errorf("workers, procs, rounds and duration must be positive")
	}
	for i, l := range o.scenarios {
		if scenarioByLetter(l) == nil {
			return o, fmt.Errorf("unknown scenario %q (have a to l)", l)
		}
		if strings.ContainsRune(o.scenarios[:i], l) {
			return o, fmt.Errorf("scenario %q given twice", l)
		}
	}
	return o, nil
}

func run(args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	runtime.GOMAXPROCS(o.clientProcs)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	serverCPU := -1
	if o.pin && runtime.NumCPU() >= 2 {
		if err := pinToCPU(1); err != nil {
			fmt.Fprintln(os.Stderr, "crmauth-bench: not pinning:", err)
		} else {
			o.pinned, serverCPU = true, 0
		}
	}
	redis, scenarios, err := startRedis(o, serverCPU, 1, os.Stdout)
	if err != nil {
		return fmt.Errorf("redis-server for (f) and (g): %w", err)
	}
	o.scenarios = scenarios
	redisURL := ""
	if redis != nil {
		defer redis.Close()
		redisURL = redis.URL()
	}
	t, err := startTarget(ctx, o.serverProcs, serverCPU, redisURL)
	if err != nil {
		return err
	}
	defer t.stop()
	if err := t.startChildren(ctx, o, serverCPU); err != nil {
		return err
	}

	fmt.Print(machineReport(o))
	// Rounds interleave the scenarios, so a disturbance (another process on the machine, the
	// server's heap growing) spreads over all of them instead of sinking one.
	rows := make([]*row, len(o.scenarios))
	for i := range rows {
		rows[i] = &row{}
	}
	for round := 1; round <= o.rounds; round++ {
		for i, l := range []rune(o.scenarios) {
			if err := scenarioByLetter(l).measure(ctx, t, o, rows[i], rows[:i]); err != nil {
				return fmt.Errorf("scenario %c: %w", l, err)
			}
			last := rows[i].rounds[len(rows[i].rounds)-1]
			fmt.Fprintf(os.Stderr, "round %d/%d %c: %.0f req/s, %d errors\n", round, o.rounds, l, last.Rate(), last.Errors)
		}
	}
	fmt.Print(table(rows))
	if t.serve != nil {
		lines, size, err := t.serve.logLines()
		if err != nil {
			return err
		}
		fmt.Printf("crmauth serve's log (request log on): %s lines, %s bytes\n", thousands(int64(lines)), thousands(size))
		if o.smoke && lines < 2 {
			return errors.New("crmauth serve wrote no request log")
		}
	}
	if o.smoke {
		return smokeVerdict(rows)
	}
	return nil
}

// smokeVerdict is what CI asserts: each scenario worked. It never judges a figure.
func smokeVerdict(rows []*row) error {
	var failed []string
	for _, r := range rows {
		for i, res := range r.rounds {
			if res.Requests == 0 || res.Errors != 0 {
				failed = append(failed, fmt.Sprintf("%c round %d: %d requests, %d errors (first: %v)",
					r.letter, i+1, res.Requests, res.Errors, res.FirstError))
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("smoke run failed:\n  %s", strings.Join(failed, "\n  "))
	}
	fmt.Println("smoke run: every scenario made requests with no errors")
	return nil
}
