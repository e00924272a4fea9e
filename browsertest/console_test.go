package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/console"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// hostileUser is a fixture user whose name is markup: the console must show it as text.
const hostileUser = `<img src=x onerror=alert(1)>`

// consoleFixtures are the default jdoe and the hostile user.
func consoleFixtures() *serverimpl.Fixtures {
	f := serverimpl.DefaultFixtures()
	f.Users = append(f.Users, serverimpl.User{Username: hostileUser, Password: "another-Passw0rd", Organisation: "ps_dev", DefaultUnit: "1"})
	return f
}

// startConsoleStub starts the stub as `crmauth serve` does (admin routes on) with the fixtures
// above; configure may change the options.
func startConsoleStub(t *testing.T, configure ...func(*serverimpl.Options)) *serverimpl.Server {
	t.Helper()
	opts := serverimpl.Options{Admin: true, Fixtures: consoleFixtures()}
	for _, c := range configure {
		c(&opts)
	}
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// call sends a CRM.COM method's request as curl would and returns the HTTP status and
// status.code, and the token when one was issued.
func call(t *testing.T, srv *serverimpl.Server, method, body string) (status int, code, token string) {
	t.Helper()
	resp, err := http.Post(srv.BaseURL+"/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data   struct{ Token string } `json:"data"`
		Status struct{ Code string }  `json:"status"`
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &env)
	return resp.StatusCode, env.Status.Code, env.Data.Token
}

func login(t *testing.T, srv *serverimpl.Server, username, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password, "organisation": "ps_dev"})
	status, code, token := call(t, srv, "authentication/token", string(body))
	if status != 200 || token == "" {
		t.Fatalf("login %q: %d %s", username, status, code)
	}
	return token
}

func release(t *testing.T, srv *serverimpl.Server, token string) (int, string) {
	t.Helper()
	status, code, _ := call(t, srv, "authentication/token/release", `{"token":`+jsString(token)+`}`)
	return status, code
}

// pageWatch collects what must not happen in the console's tab: console errors and warnings,
// uncaught exceptions, the browser's own error log (a CSP violation, a failed load), and
// JavaScript dialogs (an alert run by injected markup).
type pageWatch struct {
	mu       sync.Mutex
	problems []string
}

func watchPage(t *testing.T, ctx context.Context) *pageWatch {
	t.Helper()
	w := &pageWatch{}
	err := chromedp.Listen(ctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning && ev.Type != runtime.ConsoleAPICalledTypeAssert {
				return
			}
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			line = "console " + string(ev.Type) + ": " + strings.Join(args, " ")
		case *runtime.EventExceptionThrown:
			line = "uncaught: " + ev.ExceptionDetails.Text
			if x := ev.ExceptionDetails.Exception; x != nil {
				line += " " + x.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level != log.EntryLevelError && ev.Entry.Level != log.EntryLevelWarning {
				return
			}
			line = "browser " + string(ev.Entry.Level) + ": " + ev.Entry.Text + " " + ev.Entry.URL
		case *page.EventJavascriptDialogOpening:
			line = "a script opened a dialog: " + ev.Message
		default:
			return
		}
		w.mu.Lock()
		w.problems = append(w.problems, line)
		w.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *pageWatch) assertClean(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Errorf("the console's tab: %s", p)
	}
}

// openConsole opens the console at size width×height and waits for its first view.
func openConsole(t *testing.T, ctx context.Context, srv *serverimpl.Server, width, height int64) {
	t.Helper()
	do(t, ctx, "open the console", chromedp.EmulateViewport(width, height), chromedp.Navigate(srv.URL+console.Path+"/"))
	waitFor[bool](t, ctx, "the requests view", `() => document.getElementById("requests-count").textContent !== ""`)
	// A mark that a reload would lose: the tests prove the rows come without one.
	do(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
}

// press focuses the button whose accessible name (aria-label, else its text) is name and
// presses Enter on it, as a keyboard user would.
func press(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	found := run(t, ctx, "focus "+name, chromedp.Evaluate[bool](`(() => {
		const b = [...document.querySelectorAll("button")].find(b =>
			b.offsetParent !== null && (b.getAttribute("aria-label") || b.textContent.trim()) === `+jsString(name)+`);
		if (!b || b.tabIndex < 0) return false;
		b.focus();
		return document.activeElement === b;
	})()`))
	if !found {
		t.Fatalf("no visible, keyboard-reachable button named %q", name)
	}
	do(t, ctx, "press Enter on "+name, chromedp.KeyEvent("\r"))
}

// showView opens one of the console's tabs.
func showView(t *testing.T, ctx context.Context, view string) {
	t.Helper()
	do(t, ctx, "show "+view, chromedp.Evaluate[chromedp.Void](`document.getElementById("tab-`+view+`").click()`))
	waitFor[bool](t, ctx, view+" shown", `() => !document.getElementById(`+jsString(view)+`).hidden`)
}

// rowsText is the text of each row of a table of the console.
const rowsText = `id => [...document.querySelectorAll("#" + id + " tbody tr:not(.expanded)")].map(r => r.textContent)`

// axeViolations runs axe-core (npm, pinned in package.json) on the page and returns its serious
// and critical violations.
func axeViolations(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	return run(t, ctx, "axe-core", chromedp.Evaluate[[]string](axe+`;
		axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.id + " (" + v.impact + "): " + v.help + ": " + v.nodes.map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
}

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		unavailable(t, "axe-core is not installed: run npm ci at the repository root (Node.js >= 20)")
	}
	return string(b)
}

// The Requests view, the console's first: a login made over HTTP appears without a reload
// after at most two polls of the journal (the page polls once a second); markup in a username
// and in a path is shown as text (no element made, no script run); a row opens to its entry;
// the filters narrow the rows. The page loads nothing from another origin, logs no error,
// reads well at 1280×800 and 390×844 (screenshots kept), and axe-core finds no serious or
// critical violation in any view.
func TestConsoleRequestsLive(t *testing.T) {
	axe := axeSource(t)
	srv := startConsoleStub(t)
	ctx := newBrowser(t)
	requests := watchNetwork(ctx)
	watch := watchPage(t, ctx)
	openConsole(t, ctx, srv, 1280, 800)

	polls := func() int { return requests.count(srv.URL + "/_crmauth/requests") }
	before := polls()
	jdoe := login(t, srv, "jdoe", "s3cret-Passw0rd")
	sent := time.Now()
	waitFor[bool](t, ctx, "the login's row", `() => (`+rowsText+`)("requests-table").some(r => r.includes("Login"))`)
	elapsed := time.Since(sent)
	if n := polls() - before; n > 2 {
		t.Errorf("the login's row came after %d polls of the journal; want at most 2 (at most 2 s at one poll a second)", n)
	}
	t.Logf("request to its row: %v (%d polls of the journal)", elapsed.Round(time.Millisecond), polls()-before)

	// Markup from requests: a username, and a path.
	login(t, srv, hostileUser, "another-Passw0rd")
	markupPath := "/" + url.PathEscape(`<img src=x onerror=alert(2)><b>bold</b>`)
	if resp, err := http.Get(srv.URL + markupPath); err == nil {
		resp.Body.Close()
	}
	waitFor[bool](t, ctx, "the hostile rows", `() => {
		const text = document.getElementById("requests").textContent;
		return text.includes(`+jsString(hostileUser)+`) && text.includes("<b>bold</b>");
	}`)
	if n := run(t, ctx, "count the elements markup would make", chromedp.Evaluate[int](`document.querySelectorAll("img, b").length`)); n != 0 {
		t.Errorf("the page holds %d img or b elements: request data was rendered as markup", n)
	}

	// A row opens to its entry.
	do(t, ctx, "open the hostile login's row", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#requests-table tbody tr")]
		.find(r => r.textContent.includes(`+jsString(hostileUser)+`)).querySelector("button.more").click()`))
	detail := waitFor[string](t, ctx, "the entry", `() => document.querySelector("#requests-table tr.expanded pre")?.textContent`)
	var entry struct {
		Operation string `json:"operation"`
		Holder    struct {
			Username string `json:"username"`
		} `json:"holder"`
	}
	if err := json.Unmarshal([]byte(detail), &entry); err != nil || entry.Operation != "Login" || entry.Holder.Username != hostileUser {
		t.Errorf("the opened row shows %q (%v); want the Login entry of %q", detail, err, hostileUser)
	}

	// Filters: operation, then session.
	screenshot(t, ctx, "console-1280x800")
	do(t, ctx, "filter by operation", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById("f-operation");
		s.value = "Login";
		s.dispatchEvent(new Event("change"));
	})()`))
	waitFor[bool](t, ctx, "only Login rows", `() => { const rows = (`+rowsText+`)("requests-table"); return rows.length === 2 && rows.every(r => r.includes("Login")); }`)
	jti := tokenSession(t, jdoe)
	do(t, ctx, "filter by session", chromedp.SetValue(chromedp.CSS("#f-session"), jti),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-session").dispatchEvent(new Event("input"))`))
	waitFor[bool](t, ctx, "only jdoe's row", `() => { const rows = (`+rowsText+`)("requests-table"); return rows.length === 1 && rows[0].includes("jdoe"); }`)

	if v := axeViolations(t, ctx, axe); len(v) > 0 {
		t.Errorf("axe-core, requests view: %s", strings.Join(v, "\n"))
	}
	for _, view := range []string{"sessions", "clock", "coverage"} {
		showView(t, ctx, view)
		waitFor[bool](t, ctx, view+" loaded", `() => document.querySelector("#`+view+` tbody tr, #clock-now:not(:empty)") !== null`)
		if v := axeViolations(t, ctx, axe); len(v) > 0 {
			t.Errorf("axe-core, %s view: %s", view, strings.Join(v, "\n"))
		}
	}

	// A phone beside the app: the page fits its width (tables scroll inside their box).
	showView(t, ctx, "requests")
	do(t, ctx, "phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	if w := run(t, ctx, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		wide := run(t, ctx, "what is too wide", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > 391 && !e.closest(".scroll"))
			.map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("at 390×844 the page is %d px wide: it scrolls sideways (%s)", w, strings.Join(wide, ", "))
	}
	screenshot(t, ctx, "console-390x844")
	if v := axeViolations(t, ctx, axe); len(v) > 0 {
		t.Errorf("axe-core, requests view at 390×844: %s", strings.Join(v, "\n"))
	}

	if !run(t, ctx, "no reload", chromedp.Evaluate[bool](`window.notReloaded === true`)) {
		t.Error("the page was reloaded")
	}
	assertNoRemoteRequests(t, requests, srv.URL)
	watch.assertClean(t)
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// tokenSession is a token's jti claim.
func tokenSession(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	var claims struct{ Jti string }
	raw, err := base64URL(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims.Jti == "" {
		t.Fatalf("no jti in the token's claims: %v", err)
	}
	return claims.Jti
}

// The Sessions, Clock, Coverage views and Reset, driven from the page with the keyboard and
// checked over HTTP: End session makes the token's next use INVALID_TOKEN; advancing the clock
// by 61 minutes shows a login token expired and its next use is refused TOKEN_EXPIRED, the
// refusal's row saying why; a wrong
// password shows as Login 401 given; Reset, once confirmed, empties the requests and the
// sessions views.
func TestConsoleSessionsClockCoverageReset(t *testing.T) {
	srv := startConsoleStub(t)
	ctx := newBrowser(t)
	watch := watchPage(t, ctx)
	openConsole(t, ctx, srv, 1280, 800)

	// End session.
	ended := login(t, srv, "jdoe", "s3cret-Passw0rd")
	showView(t, ctx, "sessions")
	endedJTI := tokenSession(t, ended)
	waitFor[bool](t, ctx, "the session's row", `() => !!document.querySelector(`+jsString(`#sessions-table tr[data-jti="`+endedJTI+`"][data-state="live"]`)+`)`)
	left := waitFor[string](t, ctx, "the time left", `() => document.querySelector("#sessions-table td[data-deadline]")?.textContent`)
	if !strings.Contains(left, "min") {
		t.Errorf("a new login token's time left reads %q; want about 60 min", left)
	}
	press(t, ctx, "End session")
	waitFor[bool](t, ctx, "the session released", `() => !!document.querySelector(`+jsString(`#sessions-table tr[data-jti="`+endedJTI+`"][data-state="released"]`)+`)`)
	if status, code := release(t, srv, ended); status != 401 || code != "INVALID_TOKEN" {
		t.Errorf("the ended session's token: %d %s; want 401 INVALID_TOKEN", status, code)
	}

	// The clock: 61 minutes on.
	idle := login(t, srv, "jdoe", "s3cret-Passw0rd")
	idleJTI := tokenSession(t, idle)
	showView(t, ctx, "clock")
	do(t, ctx, "61 minutes", chromedp.SetValue(chromedp.CSS("#clock-minutes"), "61"))
	press(t, ctx, "Advance clock")
	showView(t, ctx, "sessions")
	waitFor[bool](t, ctx, "the login token expired", `() => {
		const row = document.querySelector(`+jsString(`#sessions-table tr[data-jti="`+idleJTI+`"]`)+`);
		return row && row.dataset.state === "expired";
	}`)
	screenshot(t, ctx, "console-sessions")
	if status, code := release(t, srv, idle); status != 401 || code != "TOKEN_EXPIRED" {
		t.Errorf("the idle token after 61 minutes: %d %s; want 401 TOKEN_EXPIRED", status, code)
	}
	showView(t, ctx, "requests")
	waitFor[bool](t, ctx, "the refusal's row and its reason", `() => [...document.querySelectorAll("#requests-table tbody tr")].some(r =>
		r.textContent.includes("ReleaseToken") && r.textContent.includes("TOKEN_EXPIRED") && r.querySelector("td.reason").textContent.includes("expired"))`)

	// Coverage: a wrong password.
	if status, code, _ := call(t, srv, "authentication/token", `{"username":"jdoe","password":"wrong","organisation":"ps_dev"}`); status != 401 {
		t.Fatalf("wrong password: %d %s", status, code)
	}
	showView(t, ctx, "coverage")
	waitFor[bool](t, ctx, "Login 401 given", `() => {
		const mark = document.querySelector('#coverage-table [data-operation="Login"][data-status="401"]');
		return mark && mark.dataset.given === "true" && mark.textContent.includes("✓");
	}`)
	screenshot(t, ctx, "console-coverage")

	// Reset, confirmed.
	showView(t, ctx, "requests")
	press(t, ctx, "Reset")
	waitFor[bool](t, ctx, "the confirmation", `() => document.getElementById("reset-dialog").open`)
	press(t, ctx, "Yes, reset")
	waitFor[bool](t, ctx, "no request", `() => (`+rowsText+`)("requests-table").length === 0 && !document.getElementById("requests-empty").hidden`)
	showView(t, ctx, "sessions")
	waitFor[bool](t, ctx, "no session", `() => (`+rowsText+`)("sessions-table").length === 0 && !document.getElementById("sessions-empty").hidden`)
	if list, err := srv.Sessions(); err != nil || len(list) != 0 {
		t.Errorf("after reset the stub holds %d sessions (%v)", len(list), err)
	}
	watch.assertClean(t)
}

// With --admin-token the console asks for it once: a wrong one is refused and said so, the
// right one shows the journal and is kept for the tab (a reload does not ask again).
func TestConsoleAdminToken(t *testing.T) {
	const adminToken = "console-admin-token-0123456789"
	srv := startConsoleStub(t, func(o *serverimpl.Options) { o.AdminToken = adminToken })
	ctx := newBrowser(t)
	do(t, ctx, "open the console", chromedp.Navigate(srv.URL+console.Path+"/"))
	waitFor[bool](t, ctx, "the token form", `() => !document.getElementById("login").hidden`)
	do(t, ctx, "a wrong token", chromedp.SetValue(chromedp.CSS("#token"), "not-the-token"))
	press(t, ctx, "Use token")
	msg := waitFor[string](t, ctx, "the refusal", `() => document.getElementById("login-error").textContent`)
	if !strings.Contains(msg, "refused") {
		t.Errorf("a wrong token says %q", msg)
	}
	do(t, ctx, "the right token", chromedp.SetValue(chromedp.CSS("#token"), adminToken))
	press(t, ctx, "Use token")
	waitFor[bool](t, ctx, "the journal", `() => document.getElementById("login").hidden && document.getElementById("requests-count").textContent !== ""`)
	if kept := run(t, ctx, "sessionStorage", chromedp.Evaluate[bool](`Object.values(sessionStorage).includes(`+jsString(adminToken)+`) && localStorage.length === 0`)); !kept {
		t.Error("the token is not kept in sessionStorage (and only there)")
	}
	do(t, ctx, "reload", chromedp.Reload())
	waitFor[bool](t, ctx, "the journal again", `() => document.getElementById("requests-count").textContent !== ""`)
	if asked := run(t, ctx, "asked again?", chromedp.Evaluate[bool](`!document.getElementById("login").hidden`)); asked {
		t.Error("after a reload the console asks for the token again")
	}
}

// A refusal's reason, noted where it was decided (journal.NoteReason), shows in its row and in
// the opened entry; a call the gateway passed on names the upstream that answered.
func TestConsoleShowsReasonAndUpstream(t *testing.T) {
	const reason = "token expired: unused for 61 minutes, the limit is 60"
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[],"status":{"code":"OK","description":"","message":""}}`)
	}))
	t.Cleanup(upstream.Close)
	up, _ := url.Parse(upstream.URL)
	gw, err := gateway.New(gateway.Config{Upstream: up})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.CloseIdleConnections)
	srv := startConsoleStub(t, func(o *serverimpl.Options) {
		o.Extensions = []serverimpl.Extension{gw, serverimpl.Routes(func(e *echo.Echo, _ *serverimpl.Stub) {
			e.GET("/refuse", func(c echo.Context) error {
				journal.NoteReason(c.Request().Context(), reason)
				return c.String(http.StatusUnauthorized, "refused")
			})
		})}
	})
	ctx := newBrowser(t)
	watch := watchPage(t, ctx)
	openConsole(t, ctx, srv, 1280, 800)

	token := login(t, srv, "jdoe", "s3cret-Passw0rd")
	for _, u := range []string{srv.URL + "/refuse", srv.BaseURL + "/contacts/list?token=" + url.QueryEscape(token)} {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
		}
	}
	waitFor[bool](t, ctx, "the refusal's reason in its row", `() => [...document.querySelectorAll("#requests-table td.reason")].some(td => td.textContent === `+jsString(reason)+`)`)
	waitFor[bool](t, ctx, "the upstream", `() => [...document.querySelectorAll("#requests-table .upstream")].some(s => s.textContent.includes(`+jsString(up.Host)+`))`)
	do(t, ctx, "open the refusal", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#requests-table tbody tr")]
		.find(r => r.textContent.includes("/refuse")).querySelector("button.more").click()`))
	why := waitFor[string](t, ctx, "the reason in the entry", `() => document.querySelector("#requests-table tr.expanded .why")?.textContent`)
	if !strings.Contains(why, reason) {
		t.Errorf("the opened entry says %q; want the reason %q", why, reason)
	}
	watch.assertClean(t)
}

// A release refused because the token was already released shows, in its row and in the
// opened entry, a reason that says so.
func TestConsoleRefusedReleaseShowsItsReason(t *testing.T) {
	srv := startConsoleStub(t)
	ctx := newBrowser(t)
	watch := watchPage(t, ctx)
	openConsole(t, ctx, srv, 1280, 800)

	token := login(t, srv, "jdoe", "s3cret-Passw0rd")
	if status, code := release(t, srv, token); status != 200 {
		t.Fatalf("release: %d %s", status, code)
	}
	if status, code := release(t, srv, token); status != 401 || code != "INVALID_TOKEN" {
		t.Fatalf("second release: %d %s; want 401 INVALID_TOKEN", status, code)
	}
	reason := waitFor[string](t, ctx, "the refused release's reason", `() => {
		const row = [...document.querySelectorAll("#requests-table tbody tr")].find(r => r.textContent.includes("INVALID_TOKEN"));
		return row && row.querySelector("td.reason").textContent;
	}`)
	if !strings.Contains(reason, "released") {
		t.Errorf("the refused release's reason reads %q; want one saying the token was released", reason)
	}
	do(t, ctx, "open the refusal", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#requests-table tbody tr")]
		.find(r => r.textContent.includes("INVALID_TOKEN")).querySelector("button.more").click()`))
	why := waitFor[string](t, ctx, "the reason in the entry", `() => document.querySelector("#requests-table tr.expanded .why")?.textContent`)
	if !strings.Contains(why, reason) {
		t.Errorf("the opened entry says %q; want the reason %q", why, reason)
	}
	watch.assertClean(t)
}
