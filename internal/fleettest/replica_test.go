package fleettest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buildCrmauth builds the real binary once per test binary run, or takes the one named by
// CRMAUTH_FLEET_BIN (to run the fleet against a binary built elsewhere).
var buildOnce struct {
	sync.Once
	path string
	dir  string // removed by TestMain
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildOnce.dir != "" {
		os.RemoveAll(buildOnce.dir)
	}
	os.Exit(code)
}

func buildCrmauth(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if bin := os.Getenv("CRMAUTH_FLEET_BIN"); bin != "" {
			buildOnce.path = bin
			return
		}
		dir, err := os.MkdirTemp("", "fleettest-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		// go test puts the running toolchain's bin first in PATH, so "go" is the go under test.
		goTool := "go"
		buildOnce.dir, buildOnce.path = dir, filepath.Join(dir, "crmauth")
		out, err := exec.Command(goTool, "build", "-o", buildOnce.path, "github.com/crmcom-community/crmauth/cmd/crmauth").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build ./cmd/crmauth: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// replica is one `crmauth serve` process on a fixed port, which a restart keeps.
type replica struct {
	n    int
	bin  string
	args []string
	addr string
	log  string // its stderr, kept in a file for failure messages

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func newReplica(t *testing.T, n int, bin string, extra ...string) *replica {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{n: n, bin: bin, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		log: filepath.Join(t.TempDir(), fmt.Sprintf("replica%d.log", n))}
	r.args = append([]string{"serve", "--listen", r.addr, "--log-format", "json", "--log-level", "warn"}, extra...)
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.kill)
	return r
}

func (r *replica) String() string { return fmt.Sprintf("replica %d (%s)", r.n, r.addr) }

// start runs the process and returns once /healthz answers 200, polling for at most 15 s.
func (r *replica) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	logf, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(r.bin, r.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	r.cmd, r.exited = cmd, exited
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("%s exited while starting: %s", r, r.logTail())
		default:
		}
		if status, _ := healthz(r.addr); status == http.StatusOK {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not healthy within 15 s: %s", r, r.logTail())
}

// kill ends the process with SIGKILL, a crash: no shutdown, no goodbye to Redis.
func (r *replica) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	<-r.exited
	r.cmd = nil
}

func (r *replica) logTail() string {
	b, _ := os.ReadFile(r.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// logLines counts the lines of the replica's log containing s.
func (r *replica) logLines(s string) int {
	b, _ := os.ReadFile(r.log)
	return bytes.Count(b, []byte(s))
}

var healthClient = &http.Client{Timeout: 2 * time.Second}

func healthz(addr string) (int, string) {
	resp, err := healthClient.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// answer is what a replica said, reduced to what the tests judge. It never holds a whole
// token in a printable field: failure messages print answers.
type answer struct {
	status     int
	code       string // status.code of the envelope
	message    string // status.message
	retryAfter string
	token      string // data.token, for the caller; not printed
	transport  error  // no HTTP answer at all
}

func (a answer) String() string {
	if a.transport != nil {
		return "no answer: " + a.transport.Error()
	}
	return fmt.Sprintf("%d %s %q (Retry-After %q)", a.status, a.code, a.message, a.retryAfter)
}

// client sends to the replicas in turn.
type client struct {
	http     *http.Client
	replicas []*replica
	next     atomic.Uint64
}

func newClient(replicas []*replica) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}
	return &client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, replicas: replicas}
}

// pick is the round robin: the next replica in turn.
func (c *client) pick() *replica {
	return c.replicas[(c.next.Add(1)-1)%uint64(len(c.replicas))]
}

// request is one call to a replica.
type request struct {
	method, path string
	auth         string // Authorization header
	body         string
}

func (c *client) do(ctx context.Context, r *replica, q request) answer {
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	req, err := http.NewRequestWithContext(ctx, q.method, "http://"+r.addr+q.path, body)
	if err != nil {
		return answer{transport: err}
	}
	if q.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if q.auth != "" {
		req.Header.Set("Authorization", q.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{transport: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{transport: err}
	}
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	var env struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
		Status struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"status"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		a.code = "NOT-JSON"
		a.message = string(b[:min(len(b), 120)])
		return a
	}
	a.code, a.message, a.token = env.Status.Code, env.Status.Message, env.Data.Token
	return a
}

// isConnectionError is a transport failure a load balancer answers by trying another
// replica: the replica is down or went down with the request in flight.
func isConnectionError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed")
}
