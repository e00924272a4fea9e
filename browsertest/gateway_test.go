package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// gatewayPage logs in through the stub, calls a method of the rest of CRM.COM through the
// gateway (GET, the token as the token parameter), logs out (release), and calls it again.
const gatewayPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>An app behind the gateway</title></head>
<body><h1>Log in, call, log out, call through %[1]s</h1><pre id="outcome">running…</pre>
<script>
window.outcome = (async () => {
  const base = %[1]q;
  const post = async (method, body) => {
    const res = await fetch(base + "/" + method, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    return {http: res.status, answer: await res.json()};
  };
  const list = async (token) => {
    const res = await fetch(base + "/contacts/list?token=" + encodeURIComponent(token));
    return {http: res.status, answer: await res.json()};
  };
  let outcome;
  try {
    const login = await post("authentication/token",
      {username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev"});
    const token = login.answer.data.token;
    const before = await list(token);
    const release = await post("authentication/token/release", {token});
    const after = await list(token);
    outcome = {
      beforeHTTP: before.http, beforeCode: before.answer.status.code,
      releaseCode: release.answer.status.code,
      afterHTTP: after.http, afterCode: after.answer.status.code,
    };
  } catch (e) {
    outcome = {error: String(e)};
  }
  document.getElementById("outcome").textContent = JSON.stringify(outcome, null, 2);
  return outcome;
})();
</script></body></html>`

type gatewayOutcome struct {
	Error       string `json:"error"`
	BeforeHTTP  int    `json:"beforeHTTP"`
	BeforeCode  string `json:"beforeCode"`
	ReleaseCode string `json:"releaseCode"`
	AfterHTTP   int    `json:"afterHTTP"`
	AfterCode   string `json:"afterCode"`
}

// A page on another origin logs in, calls a proxied method (it reaches the upstream, which
// sees the token's user), logs out, and its next call is refused without reaching it.
func TestAppCallsThroughGatewayUntilLogout(t *testing.T) {
	ctx := newBrowser(t)

	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get(gateway.HeaderUser) != "jdoe" {
			t.Errorf("upstream saw user %q, want jdoe", r.Header.Get(gateway.HeaderUser))
		}
		fmt.Fprint(w, `{"data":[],"status":{"code":"OK","description":"","message":""}}`)
	}))
	t.Cleanup(up.Close)
	app := httptest.NewServer(nil)
	t.Cleanup(app.Close)

	upURL, _ := url.Parse(up.URL)
	gw, err := gateway.New(gateway.Config{Upstream: upURL})
	if err != nil {
		t.Fatal(err)
	}
	stub, err := serverimpl.Start(serverimpl.Options{AllowedOrigins: []string{app.URL}, Extensions: []serverimpl.Extension{gw}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stub.Close)
	app.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, gatewayPage, stub.BaseURL)
	})

	do(t, ctx, "open the app", chromedp.Navigate(app.URL+"/"))
	got := run(t, ctx, "wait for the app's outcome", chromedp.Evaluate[gatewayOutcome](`window.outcome`, chromedp.EvalAwaitPromise))
	screenshot(t, ctx, "gateway-app")
	if got.Error != "" {
		t.Fatalf("the app's fetch failed (a CORS refusal looks like this): %s", got.Error)
	}
	if got.BeforeHTTP != 200 || got.BeforeCode != "OK" {
		t.Errorf("call before logout: HTTP %d %q, want 200 OK", got.BeforeHTTP, got.BeforeCode)
	}
	if got.ReleaseCode != "OK" {
		t.Errorf("logout: %q", got.ReleaseCode)
	}
	if got.AfterHTTP != 401 || got.AfterCode != "INVALID_TOKEN" {
		t.Errorf("call after logout: HTTP %d %q, want 401 INVALID_TOKEN", got.AfterHTTP, got.AfterCode)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the upstream saw %d calls, want 1 (the one before logout)", n)
	}
}
