package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// target is the driver's handle on the child process serving the scenarios.
type target struct {
	addrs   targetAddrs
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	control *http.Client
	// The other server processes, started by startChildren for the scenarios that need them:
	// `crmauth serve` as run (h, j), the same with --log-level warn (k), the bare proxy (l).
	serve, quiet, proxy *child
	serveTokens         []string // login tokens of serve, for (h) and (l)
	dir                 string   // where the serve binary and its logs go
}

// startChildren starts the processes besides the target that o's scenarios need, each with
// the server's GOMAXPROCS and CPU.
func (t *target) startChildren(ctx context.Context, o options, cpu int) error {
	upstream := "http://" + t.addrs.Upstream
	if strings.ContainsAny(o.scenarios, "hjk") {
		dir, err := os.MkdirTemp("", "crmauth-bench-")
		if err != nil {
			return err
		}
		t.dir = dir
		bin, err := buildCrmauth(ctx, o.crmauth, dir)
		if err != nil {
			return err
		}
		if strings.ContainsAny(o.scenarios, "hj") {
			if t.serve, err = startServe(ctx, bin, dir, "serve", upstream, o.serverProcs, cpu); err != nil {
				return err
			}
		}
		if strings.ContainsRune(o.scenarios, 'k') {
			if t.quiet, err = startServe(ctx, bin, dir, "serve-warn", upstream, o.serverProcs, cpu, "--log-level", "warn"); err != nil {
				return err
			}
		}
	}
	if strings.ContainsRune(o.scenarios, 'l') {
		if strings.ContainsRune(o.scenarios, 'l') && t.serve == nil {
			return errors.New("scenario l sends (h)'s requests: run it with h or j")
		}
		var err error
		if t.proxy, err = startProxy(ctx, upstream, o.serverProcs, cpu); err != nil {
			return err
		}
	}
	return nil
}

// startTarget re-executes this binary as `crmauth-bench target` with GOMAXPROCS=procs,
// pinned to cpu unless that is negative, with the stub on Redis too when redisURL is set, and
// waits for its listen addresses.
func startTarget(ctx context.Context, procs, cpu int, redisURL string) (*target, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"target", "-cpu", strconv.Itoa(cpu)}
	if redisURL != "" {
		args = append(args, "-redis-url", redisURL)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &target{cmd: cmd, stdin: stdin, control: &http.Client{Timeout: 2 * time.Minute}}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &t.addrs)
	}
	if err != nil {
		t.stop()
		return nil, fmt.Errorf("target did not start: %w", err)
	}
	return t, nil
}

// stop ends the other server processes, then closes the target's stdin, which ends it, and
// waits for it.
func (t *target) stop() {
	for _, c := range []*child{t.serve, t.quiet, t.proxy} {
		c.stop()
	}
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
	}
	_ = t.stdin.Close()
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = t.cmd.Process.Kill()
		<-done
	}
}

func (t *target) call(method, path string, query url.Values) (string, error) {
	u := "http://" + t.addrs.Control + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := t.control.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("target %s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// cpuTime is the CPU time (user + system) the target process has used so far.
func (t *target) cpuTime() (time.Duration, error) {
	s, err := t.call(http.MethodGet, "/cpu", nil)
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(s, 10, 64)
	return time.Duration(ns), err
}

// tokens has the target issue n live tokens of the given kind ("key" or "login") in-process,
// from the stub in memory, or with store "redis" from the stub on Redis.
func (t *target) tokens(n int, kind, store string) ([]string, error) {
	s, err := t.call(http.MethodPost, "/tokens", url.Values{"n": {strconv.Itoa(n)}, "kind": {kind}, "store": {store}})
	if err != nil {
		return nil, err
	}
	tokens := strings.Fields(s)
	if len(tokens) != n {
		return nil, fmt.Errorf("target issued %d tokens, want %d", len(tokens), n)
	}
	return tokens, nil
}

func (t *target) startProfile(path string) error {
	_, err := t.call(http.MethodPost, "/profile/start", url.Values{"path": {path}})
	return err
}

func (t *target) stopProfile() error {
	_, err := t.call(http.MethodPost, "/profile/stop", nil)
	return err
}
