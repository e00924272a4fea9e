package browsertest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// appPage is a browser app on its own origin: it logs in and releases the token through the
// stub with fetch. A JSON body makes each call non-simple, so the browser sends a CORS
// preflight first. It shows the outcome on the page; window.outcome is its promise.
const appPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A browser app on another origin</title></head>
<body><h1>Login and release through the stub at %[1]s</h1><pre id="outcome">running…</pre>
<script>
window.outcome = (async () => {
  const post = async (method, body) => {
    const res = await fetch(%[1]q + "/" + method, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    return {http: res.status, answer: await res.json()};
  };
  let outcome;
  try {
    const login = await post("authentication/token",
      {username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev"});
    const token = login.answer.data && login.answer.data.token;
    const release = await post("authentication/token/release", {token});
    const again = await post("authentication/token/release", {token});
    outcome = {
      loginHTTP: login.http, loginCode: login.answer.status.code, token: token || "",
      releaseHTTP: release.http, releaseCode: release.answer.status.code,
      againHTTP: again.http, againCode: again.answer.status.code,
    };
  } catch (e) {
    outcome = {error: String(e)};
  }
  document.getElementById("outcome").textContent = JSON.stringify(outcome, null, 2)
    .replace(/"token": "([^"]{12})[^"]*"/, '"token": "$1…"');
  return outcome;
})();
</script></body></html>`

// appOutcome is what window.outcome resolves to.
type appOutcome struct {
	Error       string `json:"error"`
	LoginHTTP   int    `json:"loginHTTP"`
	LoginCode   string `json:"loginCode"`
	Token       string `json:"token"`
	ReleaseHTTP int    `json:"releaseHTTP"`
	ReleaseCode string `json:"releaseCode"`
	AgainHTTP   int    `json:"againHTTP"`
	AgainCode   string `json:"againCode"`
}

// preflight is a CORS preflight the stub received.
type preflight struct{ path, origin, method string }

// A page on http://127.0.0.1:A logs in and releases a token through the stub on
// http://localhost:B, which allows exactly that origin: both calls are preflighted, the token
// comes back, the release answers OK, and releasing it again is refused.
func TestAppOnAnotherOriginLogsInAndReleasesThroughCORS(t *testing.T) {
	ctx := newBrowser(t)

	app := httptest.NewUnstartedServer(nil) // the app's origin: 127.0.0.1
	app.Start()
	t.Cleanup(app.Close)

	stubHandler, err := serverimpl.NewHandler(serverimpl.Options{AllowedOrigins: []string{app.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var preflights []preflight
	stub := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			mu.Lock()
			preflights = append(preflights, preflight{r.URL.Path, r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method")})
			mu.Unlock()
		}
		stubHandler.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	stub.Listener = ln
	stub.Start()
	t.Cleanup(stub.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	stubBase := "http://localhost:" + port + serverimpl.BasePath

	app.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, appPage, stubBase)
	})

	do(t, ctx, "open the app", chromedp.Navigate(app.URL+"/"))
	got := run(t, ctx, "wait for the app's outcome", chromedp.Evaluate[appOutcome](`window.outcome`, chromedp.EvalAwaitPromise))
	screenshot(t, ctx, "cross-origin-app")

	if got.Error != "" {
		t.Fatalf("the app's fetch failed (a CORS refusal looks like this): %s", got.Error)
	}
	if got.LoginHTTP != http.StatusOK || got.LoginCode != "OK" || len(got.Token) <= 32 || strings.Count(got.Token, ".") != 2 {
		t.Errorf("login: HTTP %d, code %q, token %d chars; want 200, OK and a JWT", got.LoginHTTP, got.LoginCode, len(got.Token))
	}
	if got.ReleaseHTTP != http.StatusOK || got.ReleaseCode != "OK" {
		t.Errorf("release: HTTP %d, code %q; want 200 OK", got.ReleaseHTTP, got.ReleaseCode)
	}
	if got.AgainHTTP != http.StatusUnauthorized {
		t.Errorf("releasing the released token again: HTTP %d, code %q; want 401", got.AgainHTTP, got.AgainCode)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/authentication/token", "/authentication/token/release"} {
		want := preflight{serverimpl.BasePath + path, app.URL, http.MethodPost}
		found := false
		for _, p := range preflights {
			found = found || p == want
		}
		if !found {
			t.Errorf("no CORS preflight for %s from %s; the stub saw %+v", path, app.URL, preflights)
		}
	}
}
