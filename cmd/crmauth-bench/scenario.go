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
	// source builds the requests of one round (the first round's also serve the warm-up);
	// r is the scenario's own row so far, done the rows of the scenarios before it.
	source func(t *target, o options, host string, r *row, done []*row) (loadgen.Source, error)
}

var scenarios = []scenario{
	{'a', "bare Echo, static token answer", func(a targetAddrs) string { return a.Bare },
		func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{'b', "web_api_key/token, full stub", func(a targetAddrs) string { return a.Stub },
		func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{'c', "authentication/token, plain-text password", func(a targetAddrs) string { return a.Stub },
		func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(loginRaw(host)), nil
		}},
	{'d', "token/release of pre-issued tokens", func(a targetAddrs) string { return a.Stub }, releaseSource},
	{'e', "RequireToken on a route of the stub's Echo", func(a targetAddrs) string { return a.Stub }, protectedSource},
	// (f) and (g) are (b) and (e) with the stub's sessions and failure counts in a local
	// redis-server the driver starts (redis.go).
	{'f', "web_api_key/token, sessions in Redis", func(a targetAddrs) string { return a.RedisStub },
		func(_ *target, _ options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return loadgen.Fixed(webAPIKeyRaw(host)), nil
		}},
	{'g', "RequireToken on a route of the stub's Echo, sessions in Redis", func(a targetAddrs) string { return a.RedisStub },
		func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return protectedTokens(t, o, host, "redis")
		}},
	{'h', "GET through the gateway to an upstream", func(a targetAddrs) string { return a.Stub },
		func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return otherSource(t, o, host, basePath+otherPath)
		}},
	{'i', "the same GET on the upstream directly", func(a targetAddrs) string { return a.Upstream },
		func(t *target, o options, host string, _ *row, _ []*row) (loadgen.Source, error) {
			return otherSource(t, o, host, otherPath)
		}},
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
// warms the scenario up; every round then runs for o.duration and records what it cost.
func (s *scenario) measure(ctx context.Context, t *target, o options, r *row, done []*row) error {
	addr := s.addr(t.addrs)
	src, err := s.source(t, o, addr, r, done)
	if err != nil {
		return err
	}
	cfg := loadgen.Config{Addr: addr, Workers: o.workers, Source: src}
	if len(r.rounds) == 0 {
		r.letter, r.name = s.letter, s.name
		if o.warmup > 0 {
			cfg.Duration = o.warmup
			if _, err := loadgen.Run(ctx, cfg); err != nil {
				return err
			}
		}
	}
	if o.profileDir != "" {
		if err := t.startProfile(filepath.Join(o.profileDir, fmt.Sprintf("%c%d.pprof", s.letter, len(r.rounds)+1))); err != nil {
			return err
		}
	}
	serverBefore, err := t.cpuTime()
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
	serverAfter, err := t.cpuTime()
	if err != nil {
		return err
	}
	r.serverCPU += serverAfter - serverBefore
	r.rounds = append(r.rounds, res)
	if o.profileDir != "" {
		return t.stopProfile()
	}
	return nil
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
	seconds := o.duration.Seconds()
	if len(r.rounds) == 0 {
		seconds += o.warmup.Seconds()
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
