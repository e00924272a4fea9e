package loadgen

import (
	"math"
	"slices"
	"time"
)

// Result is what one run measured. Latencies cover successful requests only.
type Result struct {
	// Requests is the number of successful requests.
	Requests int64
	// Errors counts failed requests (unexpected status or transport failure).
	Errors int64
	// FirstError describes one failure, for the report; nil when Errors is 0.
	FirstError error
	// Elapsed is the wall-clock time of the run.
	Elapsed time.Duration

	sorted []time.Duration
}

func merge(workers []worker, elapsed time.Duration) *Result {
	r := &Result{Elapsed: elapsed}
	n := 0
	for i := range workers {
		n += len(workers[i].latencies)
	}
	r.sorted = make([]time.Duration, 0, n)
	for i := range workers {
		w := &workers[i]
		r.sorted = append(r.sorted, w.latencies...)
		r.Errors += w.errors
		if r.FirstError == nil {
			r.FirstError = w.firstErr
		}
	}
	slices.Sort(r.sorted)
	r.Requests = int64(len(r.sorted))
	return r
}

// Rate is successful requests per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency below or at which the fraction p (0 < p ≤ 1) of successful
// requests completed (nearest-rank), or 0 when there were none.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(r.sorted)))) - 1
	rank = max(0, min(rank, len(r.sorted)-1))
	return r.sorted[rank]
}

// Merge combines runs of the same scenario: counts and elapsed times add up, and the
// percentiles are over every latency of every run.
func Merge(results ...*Result) *Result {
	m := &Result{}
	for _, r := range results {
		m.Requests += r.Requests
		m.Errors += r.Errors
		m.Elapsed += r.Elapsed
		if m.FirstError == nil {
			m.FirstError = r.FirstError
		}
		m.sorted = append(m.sorted, r.sorted...)
	}
	slices.Sort(m.sorted)
	return m
}
