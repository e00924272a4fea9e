package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

func TestServeConfigPrecedence(t *testing.T) {
	env := map[string]string{
		"CRMAUTH_LISTEN":             "0.0.0.0:9000",
		"CRMAUTH_LOGIN_IDLE_TIMEOUT": "30s",
		"CRMAUTH_NUMERIC_DATES":      "true",
		"CRMAUTH_ALLOWED_ORIGINS":    "http://a.example, http://b.example",
		"CRMAUTH_ADMIN":              "false",
	}
	c, err := parseServeConfig([]string{"--login-idle-timeout", "45s"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "0.0.0.0:9000" || c.opts.LoginIdleTimeout != 45*time.Second || !c.opts.NumericDates || c.opts.Admin ||
		c.opts.KeyTokenLifetime != serverimpl.DefaultKeyTokenLifetime {
		t.Fatalf("config %+v: want env over defaults, flags over env", c)
	}
	opts, err := c.options(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.AllowedOrigins) != 2 || opts.AllowedOrigins[1] != "http://b.example" || !opts.NumericDates || opts.Admin {
		t.Fatalf("options %+v", opts)
	}

	d, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil || d.listen != "localhost:8080" || !d.opts.Admin {
		t.Fatalf("defaults %+v %v", d, err)
	}
}

func TestServeConfigBounds(t *testing.T) {
	env := map[string]string{"CRMAUTH_MAX_SESSIONS": "500", "CRMAUTH_MAX_FAILURES": "3", "CRMAUTH_FAILURE_WINDOW": "1m"}
	c, err := parseServeConfig([]string{"--max-failures-per-client", "-1", "--max-failures", "4"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.options(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := serverimpl.ThrottleOptions{MaxFailures: 4, MaxFailuresPerClient: -1, Window: time.Minute}
	if opts.MaxSessions != 500 || opts.Throttle != want {
		t.Fatalf("max sessions %d, throttle %+v; want 500, %+v", opts.MaxSessions, opts.Throttle, want)
	}
	d, err := parseServeConfig([]string{"--disable-throttle"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if opts, _ := d.options(nil); !opts.Throttle.Disabled || opts.MaxSessions != serverimpl.DefaultMaxSessions ||
		opts.Throttle.MaxFailures != serverimpl.DefaultMaxFailures || opts.Throttle.Window != serverimpl.DefaultFailureWindow {
		t.Fatalf("defaults with --disable-throttle: %+v", opts)
	}
}

func TestServeConfigErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"CRMAUTH_LATENCY": "soon"}, "$CRMAUTH_LATENCY"},
		{nil, map[string]string{"CRMAUTH_NUMERIC_DATES": "maybe"}, "$CRMAUTH_NUMERIC_DATES"},
		{[]string{"--key-token-lifetime", "0s"}, nil, "positive"},
		{[]string{"--no-such-flag"}, nil, "no-such-flag"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{nil, map[string]string{"CRMAUTH_MAX_SESSIONS": "many"}, "$CRMAUTH_MAX_SESSIONS"},
		{[]string{"--max-failures", "0"}, nil, "-1 for no bound"},
		{[]string{"--failure-window", "0s"}, nil, "failure-window"},
	}
	for _, c := range cases {
		_, err := parseServeConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want one naming %s", c.args, c.env, err, c.want)
		}
	}
}

// buildBinary builds crmauth once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crmauth")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

var stubURL = regexp.MustCompile(`crmauth stub: (http://\S+) `)

// TestServeBinary starts the real binary, checks start-up and /healthz, the vendor's example,
// then sends SIGTERM while a slowed request is in flight: the request must complete and the
// process exit 0.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "CRMAUTH_FIXTURES=", "CRMAUTH_SECRET=", "CRMAUTH_ADMIN_CLOCK=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})

	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := stubURL.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-exited:
		t.Fatalf("exited before serving: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no start-up line after 30 s\n%s", stderr.String())
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Data struct{ Healthy bool } `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !health.Data.Healthy {
		t.Fatalf("/healthz: %d %v", resp.StatusCode, err)
	}

	// A request in flight (slowed by the latency header) when SIGTERM arrives must finish.
	inFlight := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+serverimpl.BasePath+"/authentication/web_api_key/token", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6")
		req.Header.Set(serverimpl.LatencyHeader, "700ms")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inFlight <- -1
			return
		}
		resp.Body.Close()
		inFlight <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond) // let the request reach the server (ordering only)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-inFlight; code != 200 {
		t.Fatalf("request in flight during shutdown: %d", code)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGTERM\n%s", stderr.String())
	}
	logs := stderr.String()
	for _, want := range []string{`"msg":"signing secret is random for this run`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

// TestServeBadFixtures: a bad fixtures file stops start-up with an error naming file and line.
func TestServeBadFixtures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("users:\n  - username: a\n    passwrd: b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := runServe(t.Context(), []string{"--listen", "127.0.0.1:0", "--fixtures", path}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), path+`:3: unknown field "passwrd"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestServeConfigRedis(t *testing.T) {
	env := map[string]string{"CRMAUTH_REDIS_URL": "redis://127.0.0.1:6390", "CRMAUTH_REDIS_TIMEOUT": "250ms"}
	c, err := parseServeConfig([]string{"--redis-prefix", "team-a:"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.redisURL != "redis://127.0.0.1:6390" || c.redisTimeout != 250*time.Millisecond || c.redisPrefix != "team-a:" || c.redisCluster {
		t.Fatalf("redis config %q %v %q %v", c.redisURL, c.redisTimeout, c.redisPrefix, c.redisCluster)
	}
	d, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil || d.redisURL != "" || d.redisPrefix != "crmauth:" || d.redisTimeout != 500*time.Millisecond {
		t.Fatalf("defaults: %q %q %v, %v", d.redisURL, d.redisPrefix, d.redisTimeout, err)
	}
	if _, err := parseServeConfig([]string{"--redis-timeout", "0s"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("--redis-timeout 0s accepted")
	}
}

// A Redis that does not answer at start stops the stub with exit 1, and the URL's password is
// not in what it says.
func TestServeRedisUnreachable(t *testing.T) {
	var stderr strings.Builder
	code := runServe(t.Context(), []string{"--listen", "127.0.0.1:0", "--redis-url", "redis://:hunter2@127.0.0.1:1", "--redis-timeout", "200ms"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "redis") || strings.Contains(stderr.String(), "hunter2") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// --redis-cluster refuses a Redis that is not a Cluster (exit 1, saying so).
func TestServeRedisClusterRequired(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	var stderr strings.Builder
	code := runServe(t.Context(), []string{"--listen", "127.0.0.1:0", "--redis-url", srv.URL(), "--redis-cluster"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "not a Cluster") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
