package gateway_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// prism is a real Prism mock server (npm's @stoplight/prism-cli, pinned in package-lock.json)
// of testdata/othermethods.yaml, two CRM.COM-style methods. Its log says which requests
// reached it: one "Request received" line each.
type prism struct {
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	hits int
	log  []string
}

func startPrism(t *testing.T) *prism {
	t.Helper()
	bin, err := filepath.Abs("../../node_modules/.bin/prism")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		unavailable(t, "Prism is not installed: run npm ci at the repository root (Node.js >= 20)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "Node.js is not installed: Prism needs it")
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "mock", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "testdata/othermethods.yaml")
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &prism{url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	listening := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		once := sync.OnceFunc(func() { close(listening) })
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log = append(p.log, line)
			if strings.Contains(line, "Request received") {
				p.hits++
			}
			p.mu.Unlock()
			if strings.Contains(line, "Prism is listening") {
				once()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		<-done
		if t.Failed() {
			p.mu.Lock()
			t.Logf("Prism's log:\n%s", strings.Join(p.log, "\n"))
			p.mu.Unlock()
		}
	})
	select {
	case <-listening:
	case <-done:
		t.Fatalf("Prism stopped before listening:\n%s", strings.Join(p.log, "\n"))
	case <-time.After(60 * time.Second):
		t.Fatalf("Prism did not listen within a minute:\n%s", strings.Join(p.log, "\n"))
	}
	return p
}

// waitHits waits until Prism has logged n requests (its log trails its answers a little),
// and fails if it logged more.
func (p *prism) waitHits(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		hits := p.hits
		p.mu.Unlock()
		if hits > n {
			t.Fatalf("Prism received %d requests, want %d", hits, n)
		}
		if hits == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prism logged %d requests, want %d", hits, n)
		}
		time.Sleep(10 * time.Millisecond) // polling Prism's log, not waiting for a time to pass
	}
}

func (p *prism) stop() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestGatewayInFrontOfPrism: the gateway in front of a real Prism. Live tokens reach Prism's
// answers; dead ones are refused without reaching it; a login token used every 50 minutes of
// stub time outlives two hours, one left 61 minutes does not; a stopped Prism is a 502.
func TestGatewayInFrontOfPrism(t *testing.T) {
	p := startPrism(t)
	s := startGateway(t, p.url)
	login, key := s.loginToken(t), s.keyToken(t)
	list := s.BaseURL + "/contacts/list?token="

	a := call(t, http.MethodGet, list+login, "", "")
	expect(t, "GET contacts/list, live login token", a, 200, "OK")
	if !strings.Contains(a.body, `"name":"May Template"`) {
		t.Errorf("not Prism's example: %s", a.body)
	}
	a = call(t, http.MethodPost, s.BaseURL+"/contacts/update", "application/json", `{"token":"`+key+`","id":"7","name":"May"}`)
	expect(t, "POST contacts/update, token in the body", a, 200, "OK")
	p.waitHits(t, 2)

	released := s.loginToken(t)
	s.release(t, released)
	expect(t, "released", call(t, http.MethodGet, list+released, "", ""), 401, "INVALID_TOKEN")
	expect(t, "missing", call(t, http.MethodGet, s.BaseURL+"/contacts/list", "", ""), 401, "INVALID_TOKEN")
	expect(t, "missing in a POST", call(t, http.MethodPost, s.BaseURL+"/contacts/update", "application/json", `{"id":"7","name":"May"}`), 401, "INVALID_TOKEN")

	// The login token is used every 50 minutes: alive at 2h30m. The key token ends at 2h.
	for range 3 {
		s.clock.Advance(50 * time.Minute)
		expect(t, "login token used every 50 minutes", call(t, http.MethodGet, list+login, "", ""), 200, "OK")
	}
	expect(t, "expired key token", call(t, http.MethodGet, list+key, "", ""), 401, "TOKEN_EXPIRED")
	s.clock.Advance(61 * time.Minute)
	expect(t, "login token left 61 minutes", call(t, http.MethodGet, list+login, "", ""), 401, "TOKEN_EXPIRED")
	p.waitHits(t, 2+3) // only the three live calls reached Prism

	p.stop()
	expect(t, "stopped Prism", call(t, http.MethodGet, list+s.loginToken(t), "", ""), 502, "BAD_GATEWAY")
}
