package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// actionTimeout bounds each step in the browser (a page load, a wait for an element); the
// browser itself lives as long as the test.
const actionTimeout = 30 * time.Second

// artifactDir is where screenshots go: test-artifacts/ at the repository root (git-ignored).
const artifactDir = "../test-artifacts"

// inCI is how .ci/run marks a CI run: there a missing prerequisite fails the test.
func inCI() bool { return os.Getenv("CI") == "true" }

// unavailable skips the test outside CI and fails it in CI, saying what is missing and how to
// get it, so a browser test never passes without having run.
func unavailable(t *testing.T, msg string) {
	t.Helper()
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// chromiumPath finds the browser: $CHROMIUM, then the Debian package's /usr/bin/chromium,
// then the usual names on PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		p, _ = exec.LookPath(p) // "" when it is not an executable
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium with a fresh profile for this test and returns a tab.
// The browser stops when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		unavailable(t, "Chromium is not installed: apt-get install chromium chromium-driver (or set CHROMIUM to a Chrome binary)")
	}
	profile := t.TempDir()                                  // removed after the browser has stopped (cleanups run last-in first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless, no first run, no background networking, no sync, ...
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI containers run as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx, not to a step's timeout
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// do runs steps in the tab, each bounded by actionTimeout.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(stepCtx, steps...); err != nil {
		screenshot(t, ctx, "FAILED-"+t.Name())
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one step that returns a value, bounded by actionTimeout.
func run[T any](t *testing.T, ctx context.Context, what string, step chromedp.Action[T]) T {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(stepCtx, step)
	if err != nil {
		screenshot(t, ctx, "FAILED-"+t.Name())
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor runs the JavaScript function fn in the page until it returns a truthy value, and
// returns that value (bounded by actionTimeout).
func waitFor[T any](t *testing.T, ctx context.Context, what, fn string) T {
	t.Helper()
	return run(t, ctx, what, chromedp.Evaluate[T](`new Promise(resolve => {
		const fn = `+fn+`;
		const tick = () => { const v = fn(); v ? resolve(v) : setTimeout(tick, 25); };
		tick();
	})`, chromedp.EvalAwaitPromise))
}

// screenshot saves the whole page as test-artifacts/<name>.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, ctx, name, chromedp.FullScreenshot(100))
}

// viewportScreenshot saves what the window shows as test-artifacts/<name>.png, for pages that
// render lazily as they scroll.
func viewportScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, ctx, name, chromedp.CaptureScreenshot())
}

func saveScreenshot(t *testing.T, ctx context.Context, name string, capture chromedp.Action[[]byte]) {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(stepCtx, capture)
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(artifactDir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(artifactDir, filepath.Base(name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}
