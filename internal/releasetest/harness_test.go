//go:build !race

package releasetest

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// sixPlatforms are the release's platforms, as make dist builds them.
var sixPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// hostLinux is the platform of this machine's linux binary: the one the tests run and put in
// the image.
var hostLinux = "linux/" + runtime.GOARCH

var (
	tmpDir  string // removed by TestMain
	distMu  sync.Mutex
	distOut string
)

func TestMain(m *testing.M) {
	code := m.Run()
	removeImage()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// inCI is how .ci/run marks a CI run: there a missing part fails the test.
func inCI() bool { return os.Getenv("CI") == "true" }

// scratch returns a new directory that outlives the test (TestMain removes it).
func scratch(t *testing.T) string {
	t.Helper()
	distMu.Lock()
	defer distMu.Unlock()
	if tmpDir == "" {
		var err error
		if tmpDir, err = os.MkdirTemp("", "crmauth-releasetest-"); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := os.MkdirTemp(tmpDir, "")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// dist is the release to test and the platforms it holds: $CRMAUTH_DIST (make dist's output,
// all six platforms; CI sets it), else a build of this machine's linux platform made once by
// the same program as make dist.
func dist(t *testing.T) (dir string, platforms []string) {
	t.Helper()
	if d := os.Getenv("CRMAUTH_DIST"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			t.Fatal(err)
		}
		return abs, sixPlatforms
	}
	if inCI() {
		t.Fatal("CRMAUTH_DIST is not set: CI runs make dist and points CRMAUTH_DIST at its output, so all six platforms are checked")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the release tests run the linux binary: this machine runs " + runtime.GOOS)
	}
	out := scratch(t)
	distMu.Lock()
	defer distMu.Unlock()
	if distOut == "" {
		buildDist(t, out, hostLinux)
		distOut = out
	}
	return distOut, []string{hostLinux}
}

// buildDist runs make dist's program for platforms into out, with env added.
func buildDist(t *testing.T, out, platforms string, env ...string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("go", "run", "./internal/cmd/dist", "-out", out, "-platforms", platforms)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make dist's program: %v\n%s", err, b)
	}
	t.Logf("built %s in %s", platforms, time.Since(start).Round(time.Second))
}

// binary is the path of platform's binary in a dist directory.
func binary(dir, platform string) string {
	goos, goarch, _ := strings.Cut(platform, "/")
	name := "crmauth"
	if goos == "windows" {
		name += ".exe"
	}
	return filepath.Join(dir, "bin", goos+"_"+goarch, name)
}

// archive is the name of platform's archive for version.
func archive(version, platform string) string {
	goos, goarch, _ := strings.Cut(platform, "/")
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return "crmauth_" + version + "_" + goos + "_" + goarch + ext
}

// repoVersion is the version make dist stamps here.
func repoVersion(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "run", "./internal/cmd/dist", "-print-version")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// freePort is a TCP port free on loopback now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitHealthy polls url's /healthz until it answers 200, for at most a minute (a container's
// start); alive, when not nil, says why to stop early (the process ended).
func waitHealthy(t *testing.T, url string, alive func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if alive != nil {
			if err := alive(); err != nil {
				t.Fatalf("the stub at %s ended before it answered: %v", url, err)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the stub at %s did not answer /healthz within a minute", url)
		case <-tick.C:
		}
	}
}

// call sends a request to the stub and returns the status and body.
func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
