package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// docsNginxConfig is the ```nginx block of docs/gateway.md: the test runs the page's own
// configuration, so the two cannot drift apart.
func docsNginxConfig(t *testing.T) string {
	t.Helper()
	page, err := os.ReadFile("../../docs/gateway.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(page), "```nginx\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/gateway.md has no ```nginx block")
	}
	return block
}

// TestNginxForwardAuth runs a real nginx, configured with docs/gateway.md's server block, in
// front of the test's own upstream, with the stub's /_crmauth/check as its auth_request: a
// live token passes (and the upstream sees the user the check answered, not the client's),
// a dead or missing one is refused with 401 and never reaches the upstream.
func TestNginxForwardAuth(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			unavailable(t, "nginx is not installed: apt-get install nginx")
		}
	}
	var mu sync.Mutex
	var users []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		users = append(users, r.URL.Path+" "+r.Header.Get(gateway.HeaderUser))
		mu.Unlock()
		fmt.Fprint(w, `{"data":{},"status":{"code":"OK","description":"","message":""}}`)
	}))
	t.Cleanup(up.Close)

	clock := serverimpl.NewSettableClock(epoch)
	stub, err := serverimpl.Start(serverimpl.Options{Clock: clock, Extensions: []serverimpl.Extension{gateway.ForwardAuth{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stub.Close)

	port := freePort(t)
	dir := t.TempDir()
	server := docsNginxConfig(t)
	server = strings.ReplaceAll(server, "127.0.0.1:8000", "127.0.0.1:"+strconv.Itoa(port))
	server = strings.ReplaceAll(server, "http://127.0.0.1:8080", stub.URL)
	server = strings.ReplaceAll(server, "http://127.0.0.1:4010", up.URL)
	user := ""
	if os.Geteuid() == 0 { // workers would otherwise run as nobody, who cannot use dir
		user = "user root;\n"
	}
	conf := fmt.Sprintf(`%[2]spid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[3]s
}
`, dir, user, server)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath, "-g", "daemon off;")
	// SIGTERM, not SIGKILL: nginx's master then stops its workers, which would otherwise live
	// on (holding the output pipe open, so Wait would never return).
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out, log)
		}
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for { // nginx is ready when its port accepts
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not listen: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Millisecond) // polling for readiness, not waiting for time to pass
	}

	// Through nginx, the authentication methods reach the stub itself.
	var s = &gatewayStub{Server: &serverimpl.Server{URL: base, BaseURL: base + serverimpl.BasePath}, clock: clock}
	expired := s.loginToken(t)
	clock.Advance(61 * time.Minute)
	live := s.loginToken(t)

	a := call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+live, "", "", gateway.HeaderUser, "admin")
	if a.status != 200 || a.code != "OK" {
		t.Fatalf("live token through nginx: %d %s", a.status, a.body)
	}
	a = call(t, http.MethodGet, s.BaseURL+"/contacts/list", "", "", "Authorization", "Bearer "+live)
	if a.status != 200 {
		t.Fatalf("live Bearer token through nginx: %d %s", a.status, a.body)
	}
	for name, url := range map[string]string{
		"expired": s.BaseURL + "/contacts/list?token=" + expired,
		"missing": s.BaseURL + "/contacts/list",
		"garbage": s.BaseURL + "/contacts/list?token=garbage",
	} {
		if a := call(t, http.MethodGet, url, "", ""); a.status != 401 {
			t.Errorf("%s token through nginx: %d, want 401", name, a.status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/contacts/list jdoe", "/contacts/list jdoe"}
	if strings.Join(users, ",") != strings.Join(want, ",") {
		t.Errorf("upstream saw %q, want %q (the check's user, never the client's, and no refused request)", users, want)
	}
}
