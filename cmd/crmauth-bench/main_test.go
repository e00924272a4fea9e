package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/loadgen"
)

// TestMain lets the test binary play the target and bare-proxy processes, as the real binary
// does when the driver re-executes itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "proxy" {
		if err := runProxy(os.Args[2:]); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) > 1 && os.Args[1] == "target" {
		if err := runTarget(os.Args[2:]); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Every scenario, briefly, against the real stub in a child process: each must get only
// 200s. Figures are not judged.
func TestEveryScenarioRuns(t *testing.T) {
	if err := run([]string{"-smoke", "-pin=false", "-rounds", "1", "-duration", "200ms", "-warmup", "0"}); err != nil {
		t.Fatal(err)
	}
}

// measured drives a server answering status for n requests, for real results to judge.
func measured(t *testing.T, status, n int) *loadgen.Result {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	var src loadgen.Source = &countdown{req: webAPIKeyRaw(host), left: n}
	res, err := loadgen.Run(context.Background(), loadgen.Config{Addr: host, Workers: 1, Duration: time.Minute, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// countdown sends req left times, then has no more.
type countdown struct {
	req  []byte
	left int
}

func (c *countdown) Next(int) ([]byte, bool) {
	c.left--
	return c.req, c.left >= 0
}

func TestSmokeVerdictFailsOnErrorsOrNoRequests(t *testing.T) {
	ok := measured(t, http.StatusOK, 3)
	if err := smokeVerdict([]*row{{letter: 'a', rounds: []*loadgen.Result{ok}}}); err != nil {
		t.Fatalf("clean run refused: %v", err)
	}
	failing := map[string]*loadgen.Result{
		"errors":      measured(t, http.StatusInternalServerError, 3),
		"no requests": measured(t, http.StatusOK, 0),
	}
	for name, res := range failing {
		if err := smokeVerdict([]*row{{letter: 'b', rounds: []*loadgen.Result{ok, res}}}); err == nil {
			t.Errorf("%s: smoke verdict passed", name)
		}
	}
}

func TestTableShowsEveryScenarioWithItsRatioToA(t *testing.T) {
	out := table([]*row{
		{letter: 'a', name: "bare", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
		{letter: 'b', name: "stub", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
		{letter: 'e', name: "check", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
	})
	for _, want := range []string{"| (a) bare | 20 | 0 |", "| 1.00 |\n", "| (b) stub | 20 | 0 |", "| (e) check | 20 | 0 |", "target b/a ≥ 0.75 (the stub without a log ÷ bare Echo): ", "target e/a ≥ 0.7: "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// The ratio to (a) pairs rounds: a round where the machine was slow for both scenarios does
// not count against (b), as a quotient of medians from different rounds would.
func TestRatioPairsRounds(t *testing.T) {
	rounds := func(rates ...int64) []*loadgen.Result {
		var rs []*loadgen.Result
		for _, r := range rates {
			rs = append(rs, &loadgen.Result{Requests: r, Elapsed: time.Second})
		}
		return rs
	}
	a := &row{letter: 'a', rounds: rounds(100, 50, 100)}
	b := &row{letter: 'b', rounds: rounds(60, 30, 40)}
	if got := b.ratioTo(a); got != 0.6 {
		t.Fatalf("ratio %v, want 0.6 (rounds 0.6, 0.6, 0.4); the quotient of medians would be %v", got, b.rate()/a.rate())
	}
	if got := (&row{rounds: rounds(10)}).ratioTo(&row{rounds: rounds(0)}); got != 0 {
		t.Fatalf("ratio to a round without requests: %v, want 0", got)
	}
}

// (f) and (g) are printed with their paired ratios to (b) and (e), and f/b against its target.
func TestTableShowsRedisScenariosWithTheirRatiosToBAndE(t *testing.T) {
	out := table([]*row{
		{letter: 'b', name: "stub", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
		{letter: 'e', name: "check", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
		{letter: 'f', name: "stub on redis", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
		{letter: 'g', name: "check on redis", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}},
	})
	for _, want := range []string{"| (f) stub on redis | 20 | 0 |", "| (g) check on redis | 20 | 0 |",
		"target f/b ≥ 0.5 (sessions in Redis ÷ in memory): ", "g/e (sessions in Redis ÷ in memory): "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// Without redis-server, (f) and (g) are dropped with the reason printed; the others still run.
func TestRedisScenariosSkippedWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var w strings.Builder
	srv, scenarios, err := startRedis(options{scenarios: "abfeg", redisCPU: "server"}, -1, 1, &w)
	if err != nil || srv != nil {
		t.Fatalf("startRedis without redis-server: %v, %v; want no server and no error", srv, err)
	}
	if scenarios != "abe" {
		t.Errorf("scenarios %q, want abe", scenarios)
	}
	if !strings.Contains(w.String(), "skipping (f) and (g): redis-server not installed") {
		t.Errorf("no reason printed: %q", w.String())
	}
}

// (j), serve as run, is judged against (a) and against (k), the same without the request log;
// (h), serve's gateway, against (l), the bare proxy.
func TestTableShowsServeAndProxyTargets(t *testing.T) {
	mk := func(l rune) *row {
		return &row{letter: l, name: "x", rounds: []*loadgen.Result{measured(t, http.StatusOK, 20)}}
	}
	out := table([]*row{mk('a'), mk('h'), mk('j'), mk('k'), mk('l')})
	for _, want := range []string{"target j/a ≥ 0.6 (crmauth serve as run ÷ bare Echo): ",
		"target j/k ≥ 0.9 (crmauth serve ÷ the same with --log-level warn: the request log costs at most 10 %): ",
		"target h/l ≥ 0.9 (crmauth serve's gateway ÷ a bare httputil.ReverseProxy with its connection reuse): "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
