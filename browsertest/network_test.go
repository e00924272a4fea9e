package browsertest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// networkLog records every request a tab makes, and which ones the browser blocked, so a test
// can prove a page loads nothing from another host.
type networkLog struct {
	mu      sync.Mutex
	order   []network.RequestID
	urls    map[network.RequestID]string
	blocked map[network.RequestID]network.BlockedReason
}

// watchNetwork starts recording the tab's requests; call it before navigating.
func watchNetwork(ctx context.Context) *networkLog {
	l := &networkLog{urls: map[network.RequestID]string{}, blocked: map[network.RequestID]network.BlockedReason{}}
	sent := chromedp.Events(ctx, network.RequestWillBeSent)
	failed := chromedp.Events(ctx, network.LoadingFailed)
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			l.mu.Lock()
			if _, seen := l.urls[ev.RequestID]; !seen {
				l.order = append(l.order, ev.RequestID)
			}
			l.urls[ev.RequestID] = ev.Request.URL
			l.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range failed {
			if err != nil {
				return
			}
			if ev.BlockedReason != "" {
				l.mu.Lock()
				l.blocked[ev.RequestID] = ev.BlockedReason
				l.mu.Unlock()
			}
		}
	}()
	return l
}

// isLocal reports whether a URL stays on this machine: one of the given origins, or a
// data:, blob: or (when allowed) file: URL.
func isLocal(url string, fileURLs bool, origins []string) bool {
	if strings.HasPrefix(url, "data:") || strings.HasPrefix(url, "blob:") {
		return true
	}
	if fileURLs && strings.HasPrefix(url, "file:") {
		return true
	}
	for _, o := range origins {
		if url == o || strings.HasPrefix(url, o+"/") {
			return true
		}
	}
	return false
}

// remote lists the requests to anywhere but origins (and data:/blob:, and file: when
// fileURLs), with the reason the browser blocked each one ("" when it went out).
func (l *networkLog) remote(fileURLs bool, origins ...string) map[string]network.BlockedReason {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]network.BlockedReason{}
	for _, id := range l.order {
		if u := l.urls[id]; !isLocal(u, fileURLs, origins) {
			out[u] = l.blocked[id]
		}
	}
	return out
}

// count is how many requests were made to URLs starting with prefix.
func (l *networkLog) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, u := range l.urls {
		if strings.HasPrefix(u, prefix) {
			n++
		}
	}
	return n
}

// settle waits (bounded) until every remote request has its outcome recorded: the browser
// reports a blocked request just after announcing it.
func (l *networkLog) settle(fileURLs bool, origins ...string) map[string]network.BlockedReason {
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := l.remote(fileURLs, origins...)
		pending := false
		for _, reason := range r {
			pending = pending || reason == ""
		}
		if !pending || time.Now().After(deadline) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func assertNoRemoteRequests(t *testing.T, l *networkLog, origins ...string) {
	t.Helper()
	for url, reason := range l.remote(false, origins...) {
		t.Errorf("the page requested %s (blocked: %q); it must load everything from %v", url, reason, origins)
	}
}
