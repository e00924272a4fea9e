package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// logoutPage is an app on its own origin with a login and a logout button; logging out
// releases the token. window.loggedIn and window.loggedOut are promises of each step.
const logoutPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>An app that logs in and out</title></head>
<body><button id="login">Log in</button> <button id="logout">Log out</button><pre id="state">logged out</pre>
<script>
const api = %[1]q;
let token = "";
const post = (method, body) => fetch(api + "/" + method, {
  method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
}).then(res => res.json());
document.getElementById("login").onclick = () => {
  window.loggedIn = post("authentication/token", {username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev"})
    .then(a => { token = a.data.token; document.getElementById("state").textContent = "logged in"; return a.status.code; });
};
document.getElementById("logout").onclick = () => {
  window.loggedOut = post("authentication/token/release", {token})
    .then(a => { token = ""; document.getElementById("state").textContent = "logged out"; return a.status.code; });
};
</script></body></html>`

// A page logs in and logs out; the test asks the stub's journal, through the generated admin
// client, whether the app released its token exactly once with OK and left no live session
// of that user behind.
func TestJournalSeesTheAppLogOut(t *testing.T) {
	ctx := newBrowser(t)
	app := httptest.NewServer(nil)
	t.Cleanup(app.Close)
	srv, err := serverimpl.Start(serverimpl.Options{Admin: true, AllowedOrigins: []string{app.URL}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	app.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, logoutPage, srv.BaseURL)
	})
	admin, err := adminapi.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	since := srv.Clock().Now()

	do(t, ctx, "open the app and log in", chromedp.Navigate(app.URL+"/"), chromedp.Click(chromedp.CSS("#login")))
	if code := run(t, ctx, "wait for the login", chromedp.Evaluate[string](`window.loggedIn`, chromedp.EvalAwaitPromise)); code != "OK" {
		t.Fatalf("login answered %s", code)
	}
	live := func() int {
		t.Helper()
		state, user := adminapi.SessionStateLive, "jdoe"
		resp, err := admin.ListSessionsWithResponse(t.Context(), &adminapi.ListSessionsParams{State: &state, Username: &user})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("ListSessions: %v", err)
		}
		return resp.JSON200.Data.Count
	}
	if n := live(); n != 1 {
		t.Fatalf("after logging in, jdoe has %d live sessions, want 1", n)
	}
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")))
	if code := run(t, ctx, "wait for the logout", chromedp.Evaluate[string](`window.loggedOut`, chromedp.EvalAwaitPromise)); code != "OK" {
		t.Fatalf("logout answered %s", code)
	}
	screenshot(t, ctx, "journal-app-logged-out")

	operation, ok := "ReleaseToken", "OK"
	count, err := admin.CountRequestsWithResponse(t.Context(), &adminapi.CountRequestsParams{Operation: &operation, Code: &ok, Since: &since})
	if err != nil || count.JSON200 == nil {
		t.Fatalf("CountRequests: %v", err)
	}
	if n := count.JSON200.Data.Count; n != 1 {
		t.Errorf("the journal has %d ReleaseToken answered OK since the test began, want exactly 1", n)
	}
	if n := live(); n != 0 {
		t.Errorf("after logging out, jdoe has %d live sessions, want none", n)
	}
}

// With the admin routes on, /docs lets the reader switch to the admin document.
func TestDocsSwitchToTheAdminDocument(t *testing.T) {
	ctx := newBrowser(t)
	srv, err := serverimpl.Start(serverimpl.Options{Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	do(t, ctx, "open /docs", chromedp.Navigate(srv.URL+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(".topbar select")), chromedp.WaitVisible(chromedp.CSS(".opblock .opblock-summary")))
	picked := run(t, ctx, "pick the admin document", chromedp.Evaluate[bool](`(() => {
		const s = document.querySelector(".topbar select");
		const o = [...s.options].find(o => o.textContent.startsWith("crmauth stub administration"));
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`))
	if !picked {
		t.Fatal("the top bar offers no admin document")
	}
	title := waitFor[string](t, ctx, "the admin document's operations", `() => {
		const s = [...document.querySelectorAll(".opblock-summary-path")].map(e => e.textContent).join(" ");
		return s.includes("/_crmauth/requests") ? document.querySelector(".info .title").textContent : "";
	}`)
	screenshot(t, ctx, "docs-admin-document")
	if !strings.Contains(title, "crmauth stub administration") {
		t.Errorf("title %q after switching", title)
	}
}
