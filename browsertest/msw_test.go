package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// docsStubURL is where docs/gateway.md's snippets expect the stub; the test puts its own there.
const docsStubURL = "http://localhost:8080"

// docsMSW is the two ```js blocks of docs/gateway.md's "Mock Service Worker" section, the
// handlers (handlers.js) and the app's start of the worker: the test runs the page's own code,
// so the two cannot drift apart.
func docsMSW(t *testing.T) (handlers, start string) {
	t.Helper()
	page, err := os.ReadFile("../docs/gateway.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(page), "\n### Mock Service Worker\n")
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	var blocks []string
	for rest := section; ok; {
		var block string
		if _, rest, ok = strings.Cut(rest, "```js\n"); ok {
			block, rest, ok = strings.Cut(rest, "```")
			blocks = append(blocks, block)
		}
	}
	if len(blocks) != 2 {
		t.Fatalf("docs/gateway.md's \"### Mock Service Worker\" section has %d ```js blocks, want 2 (the handlers and the worker's start)", len(blocks))
	}
	if !strings.Contains(blocks[0], docsStubURL) {
		t.Fatalf("docs/gateway.md's MSW handlers no longer call the stub at %s; update the test", docsStubURL)
	}
	return blocks[0], blocks[1]
}

// mswEntry runs the documented start of the worker (its top-level await) and then tells the
// page that the worker is ready.
const mswEntry = `import "./browser.js";

window.mswReady();
`

// mswPage is an app whose other CRM.COM methods are mocked with MSW: it logs in through the
// stub (another origin), calls contacts/list on its own origin (the worker intercepts it and
// the handler asks the stub's check), logs out (release), and calls it again.
const mswPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>An app mocked with Mock Service Worker</title></head>
<body><h1>Log in at %[1]s, call a mocked method, log out, call it again</h1><pre id="outcome">running…</pre>
<script>
window.mswStarted = new Promise((resolve, reject) => {
  window.mswReady = resolve;
  window.addEventListener("error", e => reject(e.error || new Error(e.message)));
  window.addEventListener("unhandledrejection", e => reject(e.reason));
  setTimeout(() => reject(new Error("MSW's worker did not start within 10 s")), 10000);
});
window.outcome = (async () => {
  const stub = %[1]q;
  const post = async (method, body) => {
    const res = await fetch(stub + "/" + method, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    return {http: res.status, answer: await res.json()};
  };
  const list = async (token) => {
    const res = await fetch("/crmapi/rest/v2/contacts/list?token=" + encodeURIComponent(token));
    return {http: res.status, answer: await res.json()};
  };
  let outcome;
  try {
    await window.mswStarted;
    const login = await post("authentication/token",
      {username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev"});
    const token = login.answer.data.token;
    const before = await list(token);
    const release = await post("authentication/token/release", {token});
    const after = await list(token);
    outcome = {
      controlled: !!navigator.serviceWorker.controller,
      beforeHTTP: before.http, beforeCode: before.answer.status.code,
      beforeName: (before.answer.data && before.answer.data[0] && before.answer.data[0].name) || "",
      releaseCode: release.answer.status.code,
      afterHTTP: after.http, afterCode: after.answer.status.code,
    };
  } catch (e) {
    outcome = {error: String(e)};
  }
  document.getElementById("outcome").textContent = JSON.stringify(outcome, null, 2);
  return outcome;
})();
</script>
<script type="module" src="/mocks.js"></script>
</body></html>`

// secretsInConsole matches what the page's console may show of the secrets (msw prints
// unhandled requests, bodies included): tokens and the fixture's password stay out of test logs.
var secretsInConsole = regexp.MustCompile(`eyJ[\w-]*\.[\w-]*\.[\w-]*|s3cret-Passw0rd`)

type mswOutcome struct {
	Error       string `json:"error"`
	Controlled  bool   `json:"controlled"`
	BeforeHTTP  int    `json:"beforeHTTP"`
	BeforeCode  string `json:"beforeCode"`
	BeforeName  string `json:"beforeName"`
	ReleaseCode string `json:"releaseCode"`
	AfterHTTP   int    `json:"afterHTTP"`
	AfterCode   string `json:"afterCode"`
}

// bundleMSW bundles docs/gateway.md's handlers and start with the entry above into one browser
// module, with the repository's pinned msw and esbuild (npm ci), and returns it with msw's
// worker script of the same version.
func bundleMSW(t *testing.T, handlers, start string) (bundle, worker []byte) {
	t.Helper()
	modules, err := filepath.Abs("../node_modules")
	if err != nil {
		t.Fatal(err)
	}
	esbuild := filepath.Join(modules, ".bin", "esbuild")
	workerPath := filepath.Join(modules, "msw", "lib", "mockServiceWorker.js")
	for _, p := range []string{esbuild, workerPath} {
		if _, err := os.Stat(p); err != nil {
			unavailable(t, "msw and esbuild are not installed ("+filepath.Base(p)+" is missing): run npm ci at the repository root (Node.js >= 20)")
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "Node.js is not installed: esbuild's npm package needs it")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"handlers.js": handlers, "browser.js": start, "entry.js": mswEntry} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "mocks.js")
	cmd := exec.CommandContext(t.Context(), esbuild, filepath.Join(dir, "entry.js"),
		"--bundle", "--format=esm", "--platform=browser", "--target=chrome120", "--log-level=warning",
		"--outfile="+out)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules) // the snippet's "msw" is the repository's
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, msg)
	}
	if bundle, err = os.ReadFile(out); err != nil {
		t.Fatal(err)
	}
	if worker, err = os.ReadFile(workerPath); err != nil {
		t.Fatal(err)
	}
	return bundle, worker
}

// The real Mock Service Worker, with docs/gateway.md's handlers and start verbatim (only the
// stub's address changed): a page on origin A logs in at the stub on origin B and calls a
// method on its own origin; the worker intercepts it, the handler's call of B's
// /_crmauth/check answers 200 and its X-Crmauth-User header is readable across origins, so the
// mocked answer names jdoe. After the release the same call is refused with the check's 401
// INVALID_TOKEN envelope. The stub's journal saw exactly those two checks; origin A's server
// saw no call of the method.
func TestMockServiceWorkerAsksForwardAuth(t *testing.T) {
	handlers, start := docsMSW(t)
	stub, err := serverimpl.Start(serverimpl.Options{Extensions: []serverimpl.Extension{gateway.ForwardAuth{}}}) // CORS: any origin
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stub.Close)
	bundle, worker := bundleMSW(t, strings.ReplaceAll(handlers, docsStubURL, stub.URL), start)
	ctx := newBrowser(t)

	var unmocked atomic.Int32 // calls of CRM.COM methods that reached origin A's server
	mux := http.NewServeMux()
	js := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(body)
		}
	}
	mux.Handle("GET /mocks.js", js(bundle))
	mux.Handle("GET /mockServiceWorker.js", js(worker))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, mswPage, stub.BaseURL)
	})
	mux.HandleFunc("/crmapi/", func(w http.ResponseWriter, r *http.Request) {
		unmocked.Add(1)
		http.Error(w, "not mocked", http.StatusTeapot)
	})
	app := httptest.NewServer(mux) // origin A, http://127.0.0.1:PORT: a secure context for service workers
	t.Cleanup(app.Close)

	var mu sync.Mutex
	var console []string
	err = chromedp.Listen(ctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			line = string(ev.Type) + ": " + strings.Join(args, " ")
		case *runtime.EventExceptionThrown:
			line = "uncaught: " + ev.ExceptionDetails.Text
			if x := ev.ExceptionDetails.Exception; x != nil {
				line += " " + x.Description
			}
		default:
			return
		}
		mu.Lock()
		console = append(console, secretsInConsole.ReplaceAllString(line, "…"))
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if t.Failed() {
			t.Logf("the page's console:\n%s", strings.Join(console, "\n"))
		}
	})

	do(t, ctx, "open the app", chromedp.Navigate(app.URL+"/"))
	got := run(t, ctx, "wait for the app's outcome", chromedp.Evaluate[mswOutcome](`window.outcome`, chromedp.EvalAwaitPromise))
	screenshot(t, ctx, "msw-app")
	if got.Error != "" {
		t.Fatalf("the app failed (a CORS refusal or MSW not starting looks like this): %s", got.Error)
	}
	if !got.Controlled {
		t.Error("the page is not controlled by MSW's service worker")
	}
	if got.BeforeHTTP != http.StatusOK || got.BeforeCode != "OK" || got.BeforeName != "jdoe" {
		t.Errorf("mocked call before logout: HTTP %d %q, name %q; want 200 OK and jdoe (the check's X-Crmauth-User)", got.BeforeHTTP, got.BeforeCode, got.BeforeName)
	}
	if got.ReleaseCode != "OK" {
		t.Errorf("logout: %q", got.ReleaseCode)
	}
	if got.AfterHTTP != http.StatusUnauthorized || got.AfterCode != "INVALID_TOKEN" {
		t.Errorf("mocked call after logout: HTTP %d %q, want 401 INVALID_TOKEN", got.AfterHTTP, got.AfterCode)
	}
	if n := unmocked.Load(); n != 0 {
		t.Errorf("%d calls of contacts/list reached origin A's server: MSW did not intercept them", n)
	}

	checks, err := stub.Requests(journal.Filter{Operation: gateway.CheckPath}) // newest first
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for i := len(checks) - 1; i >= 0; i-- {
		seen = append(seen, strings.TrimSpace(fmt.Sprintf("%s %d %s", checks[i].Method, checks[i].Status, checks[i].Code)))
	}
	// The journal notes a status.code for refusals only outside CRM.COM's methods.
	if want := "GET 200, GET 401 INVALID_TOKEN"; strings.Join(seen, ", ") != want {
		t.Errorf("the stub's journal has these checks: %q; want %s", seen, want)
	}
}
