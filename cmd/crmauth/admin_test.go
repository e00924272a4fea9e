package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// serveInProcess runs `crmauth serve` with args until the returned stop is called; stop
// returns the exit status and stderr.
func serveInProcess(t *testing.T, args ...string) (base string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		code := runServe(ctx, append([]string{"--listen", "127.0.0.1:0", "--log-level", "warn"}, args...), w, &stderr)
		w.Close()
		exited <- code
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := stubURL.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case base = <-urls:
	case code := <-exited:
		t.Fatalf("serve exited %d before serving: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no start-up line after 30 s")
	}
	var stopped bool
	stop = func() (int, string) {
		if stopped {
			return 0, stderr.String()
		}
		stopped = true
		cancel()
		return <-exited, stderr.String()
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

func post(t *testing.T, url, basic, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if basic != "" {
		req.Header.Set("Authorization", basic)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The suite-level use: run the stub, drive a handful of calls, write the coverage report at
// shutdown, and check it names exactly the answers that were and were not given.
func TestServeCoverageReport(t *testing.T) {
	report := filepath.Join(t.TempDir(), "coverage.json")
	base, stop := serveInProcess(t, "--coverage-report", report)
	api := base + serverimpl.BasePath
	const vendorBasic = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"
	calls := []struct {
		path, basic, body string
		status            int
	}{
		{"/authentication/token", "", `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`, 200},
		{"/authentication/token", "", `{"username":"jdoe","password":"wrong","organisation":"ps_dev"}`, 401},
		{"/authentication/token", "", `{"username":"jdoe"}`, 400},
		{"/authentication/web_api_key/token", vendorBasic, `{}`, 200},
		{"/authentication/web_api_key/token", vendorBasic, `{"unit":"9"}`, 403},
		{"/authentication/token/release", "", `{"token":"not.a.token-at-all-but-long-enough-xxxxx"}`, 401},
	}
	for _, c := range calls {
		if got := post(t, api+c.path, c.basic, c.body); got != c.status {
			t.Fatalf("%s %s: %d, want %d", c.path, c.body, got, c.status)
		}
	}
	code, stderr := stop()
	if code != 0 {
		t.Fatalf("serve exited %d: %s", code, stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var c adminapi.Coverage
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("report is not the coverage JSON: %v\n%s", err, b)
	}
	var given, never []string
	for _, op := range c.Operations {
		for _, a := range op.Answers {
			k := fmt.Sprintf("%s %d %s", op.Operation, a.Status, a.Code)
			if a.Count > 0 {
				given = append(given, k)
			} else {
				never = append(never, k)
			}
		}
	}
	wantGiven := []string{
		"GetWebApiKeyToken 200 OK", "GetWebApiKeyToken 403 UNIT_NOT_ALLOWED",
		"Login 200 OK", "Login 400 INVALID_REQUEST", "Login 401 INVALID_CREDENTIALS",
		"ReleaseToken 401 INVALID_TOKEN",
	}
	if !slices.Equal(given, wantGiven) {
		t.Errorf("given %v\nwant  %v", given, wantGiven)
	}
	if len(never) != c.Declared-len(wantGiven) || c.Given != len(wantGiven) {
		t.Errorf("never %d, declared %d, given %d", len(never), c.Declared, c.Given)
	}
	for _, k := range []string{"ReleaseToken 200 OK", "ReleaseToken 401 TOKEN_EXPIRED", "GetConsumerApplicationKeyToken 200 OK", "Login 503 SERVICE_UNAVAILABLE"} {
		if !slices.Contains(never, k) {
			t.Errorf("never given lacks %q", k)
		}
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d of %d declared answers given", c.Given, c.Declared)) {
		t.Errorf("no summary table on stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr, "Login") || !strings.Contains(stderr, "3/") {
		t.Errorf("table lacks the Login row:\n%s", stderr)
	}
}

// crmauth admin against a running stub, with an admin token: tables and -json.
func TestAdminCommands(t *testing.T) {
	const adminToken = "adm-4b8c2f0e6a"
	base, stop := serveInProcess(t, "--admin-token", adminToken)
	api := base + serverimpl.BasePath
	if got := post(t, api+"/authentication/token", "", `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`); got != 200 {
		t.Fatal(got)
	}
	admin := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := runAdmin(context.Background(), append(args[:1:1], append([]string{"-server", base, "-admin-token", adminToken}, args[1:]...)...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := admin("requests")
	if code != 0 || !strings.Contains(out, "Login") || !strings.Contains(out, "jdoe@ps_dev/1") || !strings.Contains(out, "1 of 1 matching") {
		t.Fatalf("requests: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = admin("requests", "-reason", "no refusal says this"); code != 0 || !strings.Contains(out, "0 of 0 matching") || !strings.Contains(out, "REASON") {
		t.Fatalf("requests -reason: %d\n%s", code, out)
	}
	code, out, _ = admin("sessions", "-json")
	var sessions struct {
		Count    int
		Sessions []adminapi.Session
	}
	if err := json.Unmarshal([]byte(out), &sessions); code != 0 || err != nil || sessions.Count != 1 {
		t.Fatalf("sessions -json: %d %v\n%s", code, err, out)
	}
	jti := sessions.Sessions[0].Jti
	if code, out, _ = admin("end-session", "-as", "expired", jti); code != 0 || !strings.Contains(out, "was live, now expired") {
		t.Fatalf("end-session: %d %s", code, out)
	}
	if code, out, _ = admin("coverage"); code != 0 || !strings.Contains(out, "declared answers given") {
		t.Fatalf("coverage: %d %s", code, out)
	}
	if code, out, _ = admin("reset"); code != 0 || !strings.Contains(out, "fixtures: embedded") {
		t.Fatalf("reset: %d %s", code, out)
	}
	if code, out, _ = admin("requests", "-operation", "Login"); code != 0 || !strings.Contains(out, "0 of 0 matching") {
		t.Fatalf("requests after reset: %d %s", code, out)
	}
	// Without the token: refused in one line, the token never shown.
	var stdout, stderr bytes.Buffer
	if code := runAdmin(context.Background(), []string{"sessions", "-server", base}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "401 INVALID_TOKEN") {
		t.Fatalf("without the token: %d %s", code, stderr.String())
	}
	if _, logs := stop(); strings.Contains(logs, adminToken) {
		t.Error("the stub's log shows the admin token")
	}
}
