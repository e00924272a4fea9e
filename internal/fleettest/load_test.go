package fleettest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// load is the round-robin client's workers and what they saw. Each worker issues a token with
// one of the three methods, checks it on the next replica, releases it on the next (every
// fourth token twice, on two replicas one after the other; every fourth two releases race on
// two replicas at once), and checks on the next that it is released.
type load struct {
	c        *client
	hasCheck bool
	// allow503 makes a declared 503 (SERVICE_UNAVAILABLE with Retry-After) an expected answer,
	// retried after a short pause, while Redis restarts.
	allow503 atomic.Bool

	requests, issued, released, crossReplica atomic.Int64
	doubles, races, checks                   atomic.Int64
	unavailable                              atomic.Int64 // declared 503s, retried
	lastUnavailable                          atomic.Int64 // when the last one came, Unix ns
	ambiguous                                atomic.Int64 // releases whose first try got no answer: "released" accepted
	retried                                  []atomic.Int64
	byMethod                                 [3]atomic.Int64

	mu       sync.Mutex
	failed   int64
	failures []string // the first few, for the report
}

func newLoad(c *client, hasCheck bool) *load {
	return &load{c: c, hasCheck: hasCheck, retried: make([]atomic.Int64, len(c.replicas))}
}

func (l *load) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed++
	if len(l.failures) < 10 {
		l.failures = append(l.failures, fmt.Sprintf(format, args...))
	}
}

func (l *load) failedCount() (int64, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed, append([]string(nil), l.failures...)
}

// call sends q to r. A connection error (the replica is down, or died with the request in
// flight) is retried on the next replica, as a load balancer does; a declared 503 while
// allow503 is retried after 50 ms. retried says whether the answer is not the first attempt's.
func (l *load) call(q request, r *replica) (a answer, on *replica, retried bool) {
	for attempt := 0; attempt < 200; attempt++ {
		l.requests.Add(1)
		a = l.c.do(context.Background(), r, q)
		switch {
		case a.transport != nil && isConnectionError(a.transport):
			l.retried[r.n].Add(1)
			r = l.c.replicas[(r.n+1)%len(l.c.replicas)]
			retried = true
			continue
		case a.status == http.StatusServiceUnavailable && l.allow503.Load():
			if a.code != "SERVICE_UNAVAILABLE" || a.retryAfter == "" {
				return a, r, retried // an undeclared 503: the caller fails it
			}
			l.unavailable.Add(1)
			l.lastUnavailable.Store(time.Now().UnixNano())
			time.Sleep(50 * time.Millisecond)
			retried = true
			continue
		}
		return a, r, retried
	}
	return a, r, retried
}

func isOK(a answer) bool { return a.status == http.StatusOK && a.code == "OK" }

func isReleased(a answer) bool {
	return a.status == http.StatusUnauthorized && a.code == "INVALID_TOKEN" && strings.Contains(a.message, "released")
}

// other is a replica in turn that is not r.
func (l *load) other(r *replica) *replica {
	for {
		if o := l.c.pick(); o != r {
			return o
		}
	}
}

// run drives workers until stop is closed, then waits for every worker's last iteration.
func (l *load) run(workers int, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				l.iteration(w, i)
			}
		})
	}
	wg.Wait()
}

func (l *load) iteration(w, i int) {
	m := (w + i) % len(issuers)
	a, issuedOn, _ := l.call(issuers[m].req, l.c.pick())
	if !isOK(a) || a.token == "" {
		l.fail("%s on %s: %v", issuers[m].name, issuedOn, a)
		return
	}
	l.issued.Add(1)
	l.byMethod[m].Add(1)
	tok := a.token
	if l.hasCheck {
		if a, on, _ := l.call(checkRequest(tok), l.c.pick()); a.status != http.StatusOK {
			l.fail("check of a live %s token on %s: %v", issuers[m].name, on, a)
			return
		}
		l.checks.Add(1)
	}
	var releasedOn *replica
	switch i % 4 {
	case 0: // released on one replica, then again on another
		a, on, retried := l.call(releaseRequest(tok), l.c.pick())
		if !isOK(a) && !(retried && isReleased(a)) {
			l.fail("release on %s: %v", on, a)
			return
		}
		if !isOK(a) {
			l.ambiguous.Add(1)
		}
		releasedOn = on
		again, on2, _ := l.call(releaseRequest(tok), l.other(on))
		if !isReleased(again) {
			l.fail("second release on %s after OK on %s: %v, want INVALID_TOKEN released", on2, on, again)
			return
		}
		l.doubles.Add(1)
	case 1: // two releases race on two replicas
		r1 := l.c.pick()
		r2 := l.other(r1)
		var answers [2]answer
		var ons [2]*replica
		var retries [2]bool
		var wg sync.WaitGroup
		for k, r := range []*replica{r1, r2} {
			wg.Go(func() { answers[k], ons[k], retries[k] = l.call(releaseRequest(tok), r) })
		}
		wg.Wait()
		oks := 0
		for k, a := range answers {
			switch {
			case isOK(a):
				oks++
				releasedOn = ons[k]
			case isReleased(a):
			default:
				l.fail("racing release on %s: %v", ons[k], a)
				return
			}
		}
		if oks != 1 && !(oks == 0 && (retries[0] || retries[1])) {
			l.fail("two racing releases on %s and %s: %d answered OK, want exactly 1 (%v; %v)", ons[0], ons[1], oks, answers[0], answers[1])
			return
		}
		if oks == 0 {
			l.ambiguous.Add(1)
			releasedOn = ons[0]
		}
		l.races.Add(1)
	default:
		a, on, retried := l.call(releaseRequest(tok), l.c.pick())
		if !isOK(a) && !(retried && isReleased(a)) {
			l.fail("release on %s: %v", on, a)
			return
		}
		if !isOK(a) {
			l.ambiguous.Add(1)
		}
		releasedOn = on
	}
	l.released.Add(1)
	if releasedOn != issuedOn {
		l.crossReplica.Add(1)
	}
	if l.hasCheck {
		if a, on, _ := l.call(checkRequest(tok), l.c.pick()); !isReleased(a) {
			l.fail("check of a released token on %s: %v, want INVALID_TOKEN released", on, a)
			return
		}
		l.checks.Add(1)
	}
}

func (l *load) report(elapsed time.Duration) string {
	failed, _ := l.failedCount()
	var retried []string
	for n := range l.retried {
		retried = append(retried, fmt.Sprint(l.retried[n].Load()))
	}
	return fmt.Sprintf("%s: %d requests (%.0f/s), %d failed; tokens issued %d (login %d, web API key %d, consumer %d), released %d "+
		"(%d on another replica than the issuer), double releases %d, racing releases %d, token checks %d; "+
		"connection errors retried per replica [%s]; declared 503s retried %d; releases accepted as already released after a lost answer %d",
		elapsed.Round(time.Millisecond), l.requests.Load(), float64(l.requests.Load())/elapsed.Seconds(), failed,
		l.issued.Load(), l.byMethod[0].Load(), l.byMethod[1].Load(), l.byMethod[2].Load(), l.released.Load(),
		l.crossReplica.Load(), l.doubles.Load(), l.races.Load(), l.checks.Load(),
		strings.Join(retried, " "), l.unavailable.Load(), l.ambiguous.Load())
}
