package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// operation is one operation as a docs page shows it.
type operation struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Summary string `json:"summary"`
}

// theFourOperations are the spec's operations as the docs must list them.
var theFourOperations = []operation{
	{"POST", "/authentication/token", "Log in with username, password and organisation"},
	{"POST", "/authentication/token/release", "Release a token"},
	{"POST", "/authentication/web_api_key/token", "Get a token for a Web API key"},
	{"POST", "/authentication/consumer_application_key/token", "Get a token for a consumer application key"},
}

// assertTheFourOperations checks that a page lists exactly the spec's four operations.
func assertTheFourOperations(t *testing.T, page string, got []operation) {
	t.Helper()
	want := map[operation]bool{}
	for _, op := range theFourOperations {
		want[op] = true
	}
	for _, op := range got {
		if !want[op] {
			t.Errorf("%s shows an operation the spec does not have, or shows it wrongly: %+v", page, op)
		}
		delete(want, op)
	}
	for op := range want {
		t.Errorf("%s does not show %+v; it shows %+v", page, op, got)
	}
}

// The stub's /docs shows Swagger UI with the four operations, from the stub alone (no CDN),
// and "Try it out" on the login operation reaches the stub on the same origin and shows 200.
func TestSwaggerUIShowsTheFourOperationsAndTriesThemOut(t *testing.T) {
	ctx := newBrowser(t)
	stub, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stub.Close)
	network := watchNetwork(ctx)

	do(t, ctx, "open /docs", chromedp.Navigate(stub.URL+"/docs"), chromedp.WaitVisible(chromedp.CSS(".opblock .opblock-summary")))
	got := run(t, ctx, "read the operations", chromedp.Evaluate[[]operation](`
		Array.from(document.querySelectorAll(".opblock")).map(op => ({
			method: op.querySelector(".opblock-summary-method").textContent.trim(),
			path: op.querySelector(".opblock-summary-path").getAttribute("data-path"),
			summary: op.querySelector(".opblock-summary-description").textContent.trim(),
		}))`))
	assertTheFourOperations(t, "Swagger UI", got)

	// Try it out: open the login operation (its first example body is a valid login), send it.
	const login = `#operations-authentication-Login`
	logins := network.count(stub.URL + serverimpl.BasePath + "/authentication/token")
	do(t, ctx, "execute the login",
		chromedp.Click(chromedp.CSS(login+` .opblock-summary`)),
		chromedp.WaitVisible(chromedp.CSS(login+` .execute`)),
		chromedp.Click(chromedp.CSS(login+` .execute`)),
		chromedp.WaitVisible(chromedp.CSS(login+` .live-responses-table tbody .response-col_status`)),
	)
	status := run(t, ctx, "read the answer's status", chromedp.Text(chromedp.CSS(login+` .live-responses-table tbody .response-col_status`)))
	body := run(t, ctx, "read the answer", chromedp.Text(chromedp.CSS(login+` .live-responses-table tbody .response-col_description`)))
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"token"`) || !strings.Contains(body, `"OK"`) {
		t.Errorf("try-it-out answer: status %q, body %q; want 200 with a token and code OK", status, body)
	}
	if network.count(stub.URL+serverimpl.BasePath+"/authentication/token") <= logins {
		t.Error("try-it-out did not call the stub's own /crmapi/rest/v2/authentication/token")
	}
	screenshot(t, ctx, "swagger-ui")
	assertNoRemoteRequests(t, network, stub.URL)
}
