package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/internal/loadgen"
)

// machineReport says where and how the figures were taken, to print above the table.
func machineReport(o options) string {
	pinning := "not pinned"
	if o.pinned {
		pinning = "server pinned to CPU 0, generator to CPU 1"
	}
	return fmt.Sprintf("machine: %d CPUs, %s, %s/%s, %s, %s\n"+
		"load: %d closed-loop workers on keep-alive loopback connections; %d rounds of %s per scenario, after %s warm-up (%s unmeasured before each later round);\n"+
		"      server process GOMAXPROCS=%d, load generator GOMAXPROCS=%d, %s (the same for every scenario)\n\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format("2006-01-02"),
		o.workers, o.rounds, o.duration, o.warmup, o.settle, o.serverProcs, o.clientProcs, pinning)
}

// cpuModel reads the CPU's name where Linux tells it, and says "unknown CPU" elsewhere.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// table renders the rows as a Markdown table (pasteable into docs/performance.md), with each
// scenario's throughput as a ratio to (a)'s (the median of the rounds' ratios, ratioTo), and
// the targets.
func table(rows []*row) string {
	var b strings.Builder
	b.WriteString("| scenario | requests | errors | req/s (median) | req/s (min–max) | p50 | p99 | server CPU/req | generator CPU/req | ÷ (a) |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var base *row
	for _, r := range rows {
		if r.letter == 'a' && r.rate() > 0 {
			base = r
		}
	}
	ratios := map[rune]float64{}
	for _, r := range rows {
		all, rates := r.all(), r.rates()
		ratio := "–"
		if base != nil {
			ratios[r.letter] = r.ratioTo(base)
			ratio = fmt.Sprintf("%.2f", ratios[r.letter])
		}
		fmt.Fprintf(&b, "| (%c) %s | %s | %d | %s | %s–%s | %s | %s | %s | %s | %s |\n",
			r.letter, r.name, thousands(all.Requests), all.Errors,
			thousands(int64(r.rate()+0.5)), thousands(int64(rates[0]+0.5)), thousands(int64(rates[len(rates)-1]+0.5)),
			micros(all.Percentile(0.50)), micros(all.Percentile(0.99)),
			perRequest(r.serverCPU, all), perRequest(r.clientCPU, all), ratio)
	}
	// (f) and (g) are (b) and (e) with the sessions in Redis: their ratios to those say what
	// Redis costs, paired by round like the ratios to (a).
	byLetter := map[rune]*row{}
	for _, r := range rows {
		byLetter[r.letter] = r
	}
	var redisLines []string
	for _, p := range []struct {
		letter, base rune
		min          float64
	}{{'f', 'b', 0.5}, {'g', 'e', 0}} {
		r, base := byLetter[p.letter], byLetter[p.base]
		if r == nil || base == nil || base.rate() == 0 {
			continue
		}
		got := r.ratioTo(base)
		line := fmt.Sprintf("%c/%c (sessions in Redis ÷ in memory): %.2f", p.letter, p.base, got)
		if p.min > 0 {
			verdict := "met"
			if got < p.min {
				verdict = "NOT met"
			}
			line = fmt.Sprintf("target %c/%c ≥ %.1f (sessions in Redis ÷ in memory): %.2f, %s", p.letter, p.base, p.min, got, verdict)
		}
		redisLines = append(redisLines, line)
	}
	if base != nil || len(redisLines) > 0 || byLetter['k'] != nil || byLetter['l'] != nil {
		b.WriteString("\n")
	}
	if base != nil {
		for _, t := range []struct {
			letter rune
			min    float64
			what   string
		}{{'j', 0.6, " (crmauth serve as run ÷ bare Echo)"}, {'b', 0.75, " (the stub without a log ÷ bare Echo)"}, {'e', 0.7, ""}} {
			if got, ok := ratios[t.letter]; ok {
				fmt.Fprintf(&b, "target %c/a ≥ %.2g%s: %.2f, %s\n", t.letter, t.min, t.what, got, verdict(got, t.min))
			}
		}
	}
	// Pairs of scenarios that differ by one thing, paired by round like the ratios to (a).
	for _, p := range []struct {
		letter, base rune
		min          float64
		what         string
	}{
		{'j', 'k', 0.9, "crmauth serve ÷ the same with --log-level warn: the request log costs at most 10 %"},
		{'h', 'l', 0.9, "crmauth serve's gateway ÷ a bare httputil.ReverseProxy with its connection reuse"},
	} {
		r, base := byLetter[p.letter], byLetter[p.base]
		if r == nil || base == nil || base.rate() == 0 {
			continue
		}
		got := r.ratioTo(base)
		fmt.Fprintf(&b, "target %c/%c ≥ %.1f (%s): %.2f, %s\n", p.letter, p.base, p.min, p.what, got, verdict(got, p.min))
	}
	for _, l := range redisLines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func verdict(got, min float64) string {
	if got < min {
		return "NOT met"
	}
	return "met"
}

func micros(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

// perRequest is CPU time divided over every request the run sent.
func perRequest(cpu time.Duration, r *loadgen.Result) string {
	n := r.Requests + r.Errors
	if cpu <= 0 || n == 0 {
		return "–"
	}
	return micros(cpu / time.Duration(n))
}

// thousands writes n with comma separators, as the tables of docs/performance.md do.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}
