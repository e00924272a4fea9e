package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/crmcom-community/crmauth/internal/loadgen"
)

// scenario is one line of the table: which server it drives and with what requests.
type scenario struct {
	letter rune
	name   string
	addr   func(targetAddrs) string
	// child, when set, is the process serving the scenario instead of the target (the built
	// `crmauth serve`, the bare proxy), and addr is unused; upstream says the target's CPU
	// counts too, as the upstream answering the proxied calls lives there.
	child    func(*target) *child
	upstream bool
	// source builds the requests of one round (the first round's also serve the warm-up);
	// r is the scenario's own row so far, done the rows of the scenarios before it.
	source func(t *target, o options, host string, r *row, done []*row) (loadgen.Source, error)
}

var scenarios = []scenario{
	{letter: 'a', name: "bare Echo, static token answer", addr: func(a targetAddrs) string { return a.Bare },
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{letter: 'b', name: "web_api_key/token, full stub", addr: func(a targetAddrs) string { return a.Stub },
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{letter: 'c', name: "authentication/token, plain-text password", addr: func(a targetAddrs) string { return a.Stub },
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(loginRaw(host)), nil
		}},
	{letter: 'd', name: "token/release of pre-issued tokens", addr: func(a targetAddrs) string { return a.Stub }, source: releaseSource},
	{letter: 'e', name: "RequireToken on a route of the stub's Echo", addr: func(a targetAddrs) string { return a.Stub }, source: protectedSource},
	// (f) and (g) are (b) and (e) with the stub's sessions and failure counts in a local
	// redis-server the driver starts (redis.go).
	{letter: 'f', name: "web_api_key/token, sessions in Redis", addr: func(a targetAddrs) string { return a.RedisStub },
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{letter: 'g', name: "RequireToken on a route of the stub's Echo, sessions in Redis", addr: func(a targetAddrs) string { return a.RedisStub },
		source: func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return protectedTokens(t, o, host, "redis")
		}},
	// (h) goes through the gateway of `crmauth serve` as run, (j)'s process: request log and
	// journal on. Its anchor is (l), a bare reverse proxy to the same upstream.
	{letter: 'h', name: "GET through crmauth serve's gateway to an upstream", child: serveChild, upstream: true,
		source: func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return serveOtherSource(t, o, host)
		}},
	{letter: 'i', name: "the same GET on the upstream directly", addr: func(a targetAddrs) string { return a.Upstream },
		source: func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return otherSource(t, o, host, otherPath)
		}},
	// (j) and (k) are (b) on the built `crmauth serve` binary: as a user runs it, with its
	// defaults (request log on, to a file; journal on), and without the request log (--log-level
	// warn): j/k is what the request log costs.
	{letter: 'j', name: "web_api_key/token, crmauth serve as run (log to a file, journal)", child: serveChild,
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{letter: 'k', name: "web_api_key/token, crmauth serve --log-level warn", child: func(t *target) *child { return t.quiet },
		source: func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{letter: 'l', name: "the GET of (h) through a bare httputil.ReverseProxy", child: func(t *target) *child { return t.proxy }, upstream: true,
		source: func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			// The same requests as (h)'s (the upstream does not check their tokens).
			return serveOtherSource(t, o, host)
		}},
}

func serveChild(t *target) *child { return t.serve }

// serveOtherSource is otherSource for a request to `crmauth serve`: login tokens of its own,
// got over HTTP (it has its own secret and sessions), cached for every round.
func serveOtherSource(t *target, o options, host string) (loadgen.Source, error) {
	if len(t.serveTokens) < o.workers {
		tokens, err := loginTokens(t.serve.addr, o.workers)
		if err != nil {
			return nil, err
		}
		t.serveTokens = tokens
	}
	tokens := t.serveTokens
	s := make(perWorker, len(tokens))
	for i, tok := range tokens {
		s[i] = otherRaw(host, basePath+otherPath, tok)
	}
	return s, nil
}

func scenarioByLetter(l rune) *scenario {
	for i := range scenarios {
		if scenarios[i].letter == l {
			return &scenarios[i]
		}
	}
	return nil
}

// row is one scenario measured over every round.
type row struct {
	letter    rune
	name      string
	rounds    []*loadgen.Result
	serverCPU time.Duration // CPU time the target used during the measured runs
	clientCPU time.Duration // CPU time this process used during the measured runs
}

// rates are the rounds' throughputs, sorted.
func (r *row) rates() []float64 {
	rates := make([]float64, len(r.rounds))
	for i, res := range r.rounds {
		rates[i] = res.Rate()
	}
	slices.Sort(rates)
	return rates
}

// rate is the median of the rounds' throughputs: one round disturbed by something else on
// the machine moves it less than it moves a mean.
func (r *row) rate() float64 {
	rates := r.rates()
	if len(rates) == 0 {
		return 0
	}
	if n := len(rates); n%2 == 0 {
		return (rates[n/2-1] + rates[n/2]) / 2
	}
	return rates[len(rates)/2]
}

// ratioTo is the median over the rounds of r's throughput divided by base's in the same
// round. The scenarios of a round run one after the other, so each quotient compares
// neighbours in time: a slow stretch of a shared machine, which lowers both, cancels out of it
// far better than out of a quotient of medians taken from different rounds.
func (r *row) ratioTo(base *row) float64 {
	n := min(len(r.rounds), len(base.rounds))
	ratios := make([]float64, 0, n)
	for i := range n {
		if b := base.rounds[i].Rate(); b > 0 {
			ratios = append(ratios, r.rounds[i].Rate()/b)
		}
	}
	if len(ratios) == 0 {
		return 0
	}
	slices.Sort(ratios)
	if m := len(ratios); m%2 == 0 {
		return (ratios[m/2-1] + ratios[m/2]) / 2
	}
	return ratios[len(ratios)/2]
}

// all is every round together, for counts and latency percentiles.
func (r *row) all() *loadgen.Result { return loadgen.Merge(r.rounds...) }

// measure runs one round of the scenario into r. The first round builds the requests and
// warms the scenario up; every later round runs unmeasured for o.settle first (the scenario
// before it ran on the same CPU, often in another process, whose leftovers would otherwise be
// charged to this one's first milliseconds); every round then runs for o.duration and records
// what it cost.
func (s *scenario) measure(ctx context.Context, t *target, o options, r *row, done []*row) error {
	addr := ""
	if s.child != nil {
		addr = s.child(t).addr
	} else {
		addr = s.addr(t.addrs)
	}
	src, err := s.source(t, o, addr, r, done)
	if err != nil {
		return err
	}
	cfg := loadgen.Config{Addr: addr, Workers: o.workers, Source: src}
	warmup := o.settle // every round: the server's CPU was another process's a moment ago
	if len(r.rounds) == 0 {
		r.letter, r.name = s.letter, s.name
		warmup = max(o.warmup, o.settle)
	}
	if warmup > 0 {
		cfg.Duration = warmup
		if _, err := loadgen.Run(ctx, cfg); err != nil {
			return err
		}
	}
	profile := o.profileDir != "" && s.child == nil // only the target serves its profile
	if profile {
		if err := t.startProfile(filepath.Join(o.profileDir, fmt.Sprintf("%c%d.pprof", s.letter, len(r.rounds)+1))); err != nil {
			return err
		}
	}
	serverBefore, err := s.serverCPU(t)
	if err != nil {
		return err
	}
	clientBefore := processCPUTime()
	cfg.Duration = o.duration
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	r.clientCPU += processCPUTime() - clientBefore
	serverAfter, err := s.serverCPU(t)
	if err != nil {
		return err
	}
	r.serverCPU += serverAfter - serverBefore
	r.rounds = append(r.rounds, res)
	if profile {
		return t.stopProfile()
	}
	return nil
}

// serverCPU is the CPU time the scenario's server side has used so far: the target, or the
// child serving it (plus the target when the target's upstream answers it).
func (s *scenario) serverCPU(t *target) (time.Duration, error) {
	if s.child == nil {
		return t.cpuTime()
	}
	d, err := s.child(t).cpuTime()
	if err != nil || !s.upstream {
		return d, err
	}
	up, err := t.cpuTime()
	return d + up, err
}

// releaseSource pre-issues the tokens (d) releases, one per request, so the runs measure
// release alone. Each round gets a pool of its own, sized from the fastest round yet of (b)
// or (d) (a release costs about what an issue does) with room to spare; should a pool run
// out, the round ends early and its rate is still requests over the time it took.
func releaseSource(t *target, o options, host string, r *row, done []*row) (loadgen.Source, error) {
	rate := 20_000.0
	for _, prev := range append([]*row{r}, done...) {
		if prev.letter == 'b' || prev.letter == 'd' {
			for _, res := range prev.rounds {
				rate = max(rate, res.Rate())
			}
		}
	}
	seconds := o.duration.Seconds() + o.settle.Seconds()
	if len(r.rounds) == 0 {
		seconds = o.duration.Seconds() + max(o.warmup, o.settle).Seconds()
	}
	n := max(1_000, min(int(math.Ceil(rate*seconds*1.5)), 2_000_000))
	tokens, err := t.tokens(n, "key", "")
	if err != nil {
		return nil, err
	}
	p := &releasePool{requests: make([][]byte, len(tokens))}
	for i, tok := range tokens {
		p.requests[i] = releaseRaw(host, tok)
	}
	return p, nil
}

type releasePool struct {
	requests [][]byte
	next     atomic.Int64
}

func (p *releasePool) Next(int) ([]byte, bool) {
	i := p.next.Add(1) - 1
	if i >= int64(len(p.requests)) {
		return nil, false
	}
	return p.requests[i], true
}

// protectedSource gives each worker a login token of its own (idle-expiring, so every check
// also records use), sent to the protected route.
func protectedSource(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
	return protectedTokens(t, o, host, "")
}

// protectedTokens are protectedSource's requests with tokens from the stub on store.
func protectedTokens(t *target, o options, host, store string) (loadgen.Source, error) {
	tokens, err := t.tokens(o.workers, "login", store)
	if err != nil {
		return nil, err
	}
	s := make(perWorker, len(tokens))
	for i, tok := range tokens {
		s[i] = protectedRaw(host, tok)
	}
	return s, nil
}

// otherSource gives each worker a login token of its own in a GET of path: (h) and (i) send
// the same request, one through the gateway (token check, proxy), one straight to the upstream,
// so their latencies differ by what the gateway adds.
func otherSource(t *target, o options, host, path string) (loadgen.Source, error) {
	tokens, err := t.tokens(o.workers, "login", "")
	if err != nil {
		return nil, err
	}
	s := make(perWorker, len(tokens))
	for i, tok := range tokens {
		s[i] = otherRaw(host, path, tok)
	}
	return s, nil
}

// perWorker sends each worker its own fixed request.
type perWorker [][]byte

func (p perWorker) Next(worker int) ([]byte, bool) { return p[worker], true }
