package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// child is a server process of the bench other than the target: the built `crmauth serve`
// binary (j, k, and h through its gateway) or the bare reverse proxy (l). Like the target it
// gets the server's GOMAXPROCS and CPU.
type child struct {
	name string
	addr string
	cmd  *exec.Cmd
	// log is where the process's stderr goes: for `crmauth serve`, its request log.
	log string
	// stdin ends the bare proxy when closed; serve ends on SIGINT.
	stdin io.WriteCloser
}

// buildCrmauth builds cmd/crmauth into dir, as `go build` would for a user, unless path
// names a binary already built (-crmauth).
func buildCrmauth(ctx context.Context, path, dir string) (string, error) {
	if path != "" {
		return path, nil
	}
	out := filepath.Join(dir, "crmauth")
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/crmcom-community/crmauth/cmd/crmauth")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/crmauth (or give -crmauth PATH): %w", err)
	}
	return out, nil
}

// startServe starts `crmauth serve` as a user runs it: its defaults (request log on, as text,
// at level info; journal on; admin routes on; brake on), its log written to a file in dir
// (stderr redirected, as a service manager would), listening on a free loopback port, with
// its gateway in front of upstream for (h). extra are flags beyond that (k's --log-level warn).
func startServe(ctx context.Context, bin, dir, name, upstream string, procs, cpu int, extra ...string) (*child, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--upstream", upstream}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
	cmd.Stderr = logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: name, cmd: cmd, log: logPath}
	// serve prints "crmauth stub: http://127.0.0.1:PORT (CRM.COM methods under …)".
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		fields := strings.Fields(line)
		if len(fields) < 3 || !strings.HasPrefix(fields[2], "http://") {
			err = fmt.Errorf("unexpected first line %q", line)
		} else {
			c.addr = strings.TrimPrefix(fields[2], "http://")
		}
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("crmauth serve did not start (its log: %s): %w", logPath, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	pinChild(c, cpu)
	return c, nil
}

// startProxy re-executes this binary as `crmauth-bench proxy`: a bare httputil.ReverseProxy to
// upstream with the gateway's connection reuse, for (l), in a process of its own as the
// gateway of (h) is.
func startProxy(ctx context.Context, upstream string, procs, cpu int) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, "proxy", "-upstream", upstream)
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
	c := &child{name: "proxy", cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("bare proxy did not start: %w", err)
	}
	c.addr = strings.TrimSpace(line)
	pinChild(c, cpu)
	return c, nil
}

func pinChild(c *child, cpu int) {
	if cpu < 0 {
		return
	}
	if err := pinProcessToCPU(c.cmd.Process.Pid, cpu); err != nil {
		fmt.Fprintf(os.Stderr, "crmauth-bench: %s not pinned: %v\n", c.name, err)
	}
}

// stop ends the child (serve shuts down gracefully on SIGINT) and waits for it.
func (c *child) stop() {
	if c == nil {
		return
	}
	if c.stdin != nil {
		_ = c.stdin.Close()
	} else {
		_ = c.cmd.Process.Signal(os.Interrupt)
	}
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// cpuTime is the CPU time the child has used so far.
func (c *child) cpuTime() (time.Duration, error) { return childCPUTime(c.cmd.Process.Pid) }

// logLines counts the lines of the child's log file: proof that (j)'s request log was on.
func (c *child) logLines() (lines int, size int64, err error) {
	b, err := os.ReadFile(c.log)
	if err != nil {
		return 0, 0, err
	}
	return bytes.Count(b, []byte("\n")), int64(len(b)), nil
}

// loginTokens logs in n times over HTTP, for requests to a server whose tokens the target
// cannot issue in-process (the serve binary has a random secret and sessions of its own).
func loginTokens(addr string, n int) ([]string, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	tokens := make([]string, 0, n)
	for range n {
		resp, err := client.Post("http://"+addr+basePath+loginPath, "application/json", strings.NewReader(loginBody))
		if err != nil {
			return nil, err
		}
		var answer struct {
			Data struct {
				Token string `json:"token"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || answer.Data.Token == "" {
			return nil, fmt.Errorf("login at %s: %d, %v", addr, resp.StatusCode, err)
		}
		tokens = append(tokens, answer.Data.Token)
	}
	return tokens, nil
}

// runProxy is the child process of (l): httputil.ReverseProxy with nothing but the rewrite
// of the base path the gateway does too, and the gateway's connection reuse (100 idle
// connections, gateway.DefaultMaxIdleConnsPerHost per host), until its stdin closes.
func runProxy(args []string) error {
	fs := flag.NewFlagSet("crmauth-bench proxy", flag.ContinueOnError)
	upstream := fs.String("upstream", "", "base URL to proxy to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*upstream)
	if err != nil || u.Host == "" {
		return errors.New("-upstream must be an absolute URL")
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: gateway.DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        max(100, gateway.DefaultMaxIdleConnsPerHost),
		MaxIdleConnsPerHost: gateway.DefaultMaxIdleConnsPerHost,
		IdleConnTimeout:     gateway.DefaultIdleConnTimeout,
	}
	proxy := &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, serverimpl.BasePath)
			pr.Out.URL.RawPath = strings.TrimPrefix(pr.In.URL.RawPath, serverimpl.BasePath)
			pr.SetURL(u)
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}
