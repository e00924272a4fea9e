//go:build !race

package releasetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/internal/guidecurl"
)

// maxImageSize bounds the image, uncompressed.
const maxImageSize = 30_000_000

const login = "/crmapi/rest/v2/authentication/token"

// TestImageConfig: the image is at most 30 MB, runs as uid 65532, exposes 8080, stops with
// SIGTERM, has a health check that runs the binary (no shell) and the OCI labels.
func TestImageConfig(t *testing.T) {
	img := inspect(t, "image", image(t))
	size, _ := img["Size"].(float64)
	t.Logf("image size %.1f MB", size/1e6)
	if size <= 0 || size > maxImageSize {
		t.Errorf("the image is %.0f bytes, over %d", size, maxImageSize)
	}
	var cfg struct {
		User         string
		ExposedPorts map[string]any
		StopSignal   string
		Env          []string
		Entrypoint   []string
		Labels       map[string]string
	}
	remarshal(t, img["Config"], &cfg)
	if cfg.User != "65532:65532" || cfg.ExposedPorts["8080/tcp"] == nil || cfg.StopSignal != "SIGTERM" ||
		!strings.Contains(strings.Join(cfg.Env, " "), "CRMAUTH_LISTEN=:8080") {
		t.Errorf("image config: %+v", cfg)
	}
	var health struct{ Test []string }
	remarshal(t, img["Healthcheck"], &health)
	if strings.Join(health.Test, " ") != "CMD /crmauth health" {
		t.Errorf("health check %v, want [CMD /crmauth health]", health.Test)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/crmcom-community/crmauth",
		"org.opencontainers.image.version":  repoVersion(t),
		"org.opencontainers.image.licenses": "MIT",
	} {
		if got := cfg.Labels[label]; got != want {
			t.Errorf("label %s = %q, want %q", label, got, want)
		}
	}
}

func remarshal(t *testing.T, from, to any) {
	t.Helper()
	b, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, to); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// readmeRun is the README's `podman run` command of "Without Go", as fields.
func readmeRun(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Without Go\n")
	if !ok {
		t.Fatal("README.md has no section ## Without Go")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "podman run ") {
			return strings.Fields(line)
		}
	}
	t.Fatal(`README's "Without Go" has no podman run command`)
	return nil
}

// TestImageAsTheReadmeRunsIt runs the README's `podman run` command word for word (the port
// published on a free one instead of 8080, the image under test instead of the published
// one, --rm left out so the exit status can be read, detached): the guides' curl examples
// answer as documented through the published port, with the admin token the command sets;
// /healthz, /docs and the documents answer; the admin routes want the token; the process is
// uid 65532 in a read-only root file system; the image's health check passes; and a stop
// that would kill it after 5 s ends it gracefully with exit status 0.
func TestImageAsTheReadmeRunsIt(t *testing.T) {
	fields := readmeRun(t)
	documented := fields[len(fields)-1]
	if want := "ghcr.io/crmcom-community/crmauth:" + repoVersion(t); documented != want {
		t.Errorf("README runs the image %s, want %s (the version in VERSION)", documented, want)
	}
	port := freePort(t)
	var args []string
	token := ""
	for i, f := range fields[2 : len(fields)-1] {
		switch {
		case f == "--rm":
			continue
		case f == "127.0.0.1:8080:8080":
			f = fmt.Sprintf("127.0.0.1:%d:8080", port)
		case strings.HasPrefix(f, "CRMAUTH_ADMIN_TOKEN=") && fields[2+i-1] == "-e":
			token = strings.TrimPrefix(f, "CRMAUTH_ADMIN_TOKEN=")
		}
		args = append(args, f)
	}
	if token == "" || !strings.Contains(strings.Join(args, " "), "--read-only") {
		t.Fatalf("README's command %q sets no admin token or is not --read-only", strings.Join(fields, " "))
	}
	c := run(t, append(args, image(t))...)
	c.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	c.waitHealthy(t)

	guidecurl.Run(t, guidecurl.StubBlocks(t, root), c.url, "CRMAUTH_ADMIN_TOKEN="+token)

	for _, path := range []string{"/healthz", "/docs", "/openapi.yaml", "/_crmauth/openapi.yaml"} {
		if status, body := call(t, "GET", c.url+path, ""); status != 200 {
			t.Errorf("GET %s: %d %.200s", path, status, body)
		}
	}
	if status, body := call(t, "GET", c.url+"/_crmauth/clock", ""); status != 401 {
		t.Errorf("admin route without the token: %d %s, want 401", status, body)
	}
	if status, body := call(t, "GET", c.url+"/_crmauth/clock", "", "Authorization", "Bearer "+token); status != 200 {
		t.Errorf("admin route with the token: %d %s", status, body)
	}

	ctr := inspect(t, "container", c.id)
	var state struct{ Pid int }
	var host struct{ ReadonlyRootfs bool }
	remarshal(t, ctr["State"], &state)
	remarshal(t, ctr["HostConfig"], &host)
	if !host.ReadonlyRootfs {
		t.Error("the container's root file system is not read-only")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", state.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)`).FindStringSubmatch(string(status)); uid == nil || uid[1] != "65532" || uid[2] != "65532" {
		t.Errorf("the stub runs as %v, want uid 65532", uid)
	}
	if out, err := podman("healthcheck", "run", c.id); err != nil {
		t.Errorf("the image's health check: %v %s", err, out)
	}

	// podman stop sends SIGTERM, then SIGKILL (exit status 137) after -t seconds.
	if _, err := podman("stop", "-t", "5", c.id); err != nil {
		t.Fatal(err)
	}
	code, err := podman("inspect", "-f", "{{.State.ExitCode}}", c.id)
	if err != nil || strings.TrimSpace(code) != "0" {
		t.Errorf("after podman stop -t 5 the exit status is %q (%v), want 0", strings.TrimSpace(code), err)
	}
	if logs := c.logs(); !strings.Contains(logs, "admin_access=token") || !strings.Contains(logs, "msg=stopped") {
		t.Errorf("the logs lack the admin mode or the graceful stop:\n%s", logs)
	}
}

// TestImageProtectedMode: the image with no admin token refuses the admin routes to the host
// (through the published port the peer is the container network's gateway, not loopback) with
// 403 in the envelope naming the token and the opt-out, while the CRM.COM methods answer; from
// inside the container (loopback) the same routes answer: `crmauth admin reset` run there.
func TestImageProtectedMode(t *testing.T) {
	c := published(t, "--read-only")
	status, body := call(t, "POST", c.url+"/_crmauth/reset", "")
	if status != 403 || !strings.Contains(body, `"code":"INVALID_TOKEN"`) ||
		!strings.Contains(body, "CRMAUTH_ADMIN_TOKEN") || !strings.Contains(body, "--admin-allow-remote") {
		t.Errorf("admin reset from the host: %d %s, want 403 naming the token and the opt-out", status, body)
	}
	if status, body := call(t, "POST", c.url+login, `{"username": "jdoe", "password": "s3cret-Passw0rd", "organisation": "ps_dev"}`); status != 200 {
		t.Errorf("login from the host: %d %s", status, body)
	}
	if out, err := podman("exec", c.id, "/crmauth", "admin", "reset", "-server", "http://127.0.0.1:8080"); err != nil {
		t.Errorf("crmauth admin reset inside the container (loopback): %v %s", err, out)
	}
	if logs := c.logs(); !strings.Contains(logs, "admin_access=loopback") {
		t.Errorf("the start-up line does not say protected mode:\n%s", logs)
	}
}

// TestImageFixturesAndEnvironment: a fixtures file mounted as a volume replaces the embedded
// defaults; CRMAUTH_LOGIN_EXPIRY=fixed makes a login token end two hours after issue (the
// default, idle, an hour of idle time); CRMAUTH_ADMIN_ALLOW_REMOTE=true opens the admin routes
// to the host without a token.
func TestImageFixturesAndEnvironment(t *testing.T) {
	fixtures, err := filepath.Abs(filepath.Join(root, "examples", "compose", "fixtures.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := published(t, "--read-only", "-v", fixtures+":/fixtures/fixtures.yaml:ro",
		"-e", "CRMAUTH_FIXTURES=/fixtures/fixtures.yaml", "-e", "CRMAUTH_LOGIN_EXPIRY=fixed",
		"-e", "CRMAUTH_ADMIN_ALLOW_REMOTE=true")
	if status, body := call(t, "POST", c.url+login, `{"username": "jdoe", "password": "s3cret-Passw0rd", "organisation": "ps_dev"}`); status != 401 {
		t.Errorf("the default user still logs in: %d %s", status, body)
	}
	status, body := call(t, "POST", c.url+login, `{"username": "frontend-dev", "password": "dev-Passw0rd-1", "organisation": "acme_dev"}`)
	if status != 200 {
		t.Fatalf("the mounted fixtures' user: %d %s", status, body)
	}
	if life := tokenLifetime(t, body); life != 7200 {
		t.Errorf("a login token lives %d s with CRMAUTH_LOGIN_EXPIRY=fixed, want 7200", life)
	}
	if status, body := call(t, "POST", c.url+"/_crmauth/reset", ""); status != 200 {
		t.Errorf("admin reset with CRMAUTH_ADMIN_ALLOW_REMOTE=true: %d %s", status, body)
	}
	if logs := c.logs(); !strings.Contains(logs, "admin_access=any") || !strings.Contains(logs, "login_expiry=fixed") {
		t.Errorf("the start-up line does not show the settings:\n%s", logs)
	}
}

// tokenLifetime is exp - iat of the token in a login answer, in seconds.
func tokenLifetime(t *testing.T, answer string) int64 {
	t.Helper()
	var env struct{ Data struct{ Token string } }
	if err := json.Unmarshal([]byte(answer), &env); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(env.Data.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", answer)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	num := func(v any) int64 {
		switch v := v.(type) {
		case string:
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		case float64:
			return int64(v)
		}
		return 0
	}
	return num(claims["exp"]) - num(claims["iat"])
}
