package browsertest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// staticDocs is the page `make docs` writes.
const staticDocs = "../docs-build/index.html"

// The static reference, opened from file:// with nothing else to load it from, renders the
// four operations, and every request to another host it attempts is refused by the browser
// (the page's Content-Security-Policy), so nothing leaves the machine.
func TestStaticDocsRenderTheFourOperationsOffline(t *testing.T) {
	page, err := filepath.Abs(staticDocs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(page); err != nil {
		msg := "docs-build/index.html is missing: run `make docs` first"
		if _, lookErr := exec.LookPath("npm"); lookErr != nil {
			msg += " (it needs Node.js >= 20.19 and npm, not installed here)"
		}
		unavailable(t, msg)
	}
	ctx := newBrowser(t)
	requests := watchNetwork(ctx)

	// Redoc's menu entries: [data-testid=menu-item-label], an operation's with an HTTP tag.
	const entries = `[...document.querySelectorAll(".menu-content [data-testid=menu-item-label]")]`
	do(t, ctx, "open the reference", chromedp.Navigate("file://"+page))
	waitFor[bool](t, ctx, "open the authentication tag", `() => {
		const tag = `+entries+`.find(li => li.textContent.trim() === "authentication");
		if (tag && !tag.dataset.opened) { tag.dataset.opened = "yes"; tag.click(); }
		return !!tag;
	}`)
	labels := waitFor[[]string](t, ctx, "read the operations in the menu", `() => {
		const ops = `+entries+`.filter(li => li.querySelector(".tag-http"));
		return ops.length >= 4 && ops.map(li => li.querySelector("[data-text]").dataset.text);
	}`)

	// Open each operation from the menu; the reference shows its heading, method and path.
	var got []operation
	for _, label := range labels {
		op := waitFor[operation](t, ctx, "open "+label, `() => {
			const label = `+jsString(label)+`;
			const entry = `+entries+`.find(li => li.querySelector("[data-text]")?.dataset.text === label);
			if (!entry.dataset.opened) { entry.dataset.opened = "yes"; entry.click(); }
			const heading = [...document.querySelectorAll("#api-content h2")].find(h => h.textContent === label);
			const endpoint = heading?.closest("[id]")?.innerText.match(/\n(POST|GET|PUT|PATCH|DELETE)\n(\/\S*)\n/);
			return endpoint && {method: endpoint[1], path: endpoint[2], summary: heading.textContent};
		}`)
		got = append(got, op)
	}
	assertTheFourOperations(t, "the static reference", got)
	viewportScreenshot(t, ctx, "static-docs")

	for url, reason := range requests.settle(true) {
		if reason != network.BlockedReasonCsp {
			t.Errorf("the static reference reached %s (blocked: %q); it must load nothing from another host", url, reason)
		}
	}
}
