package api

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// docsPage is what `make docs` writes (DOCS_DIR in the Makefile).
const docsPage = "../docs-build/index.html"

// readDocs returns the built reference. Outside CI a missing build skips with how to make it;
// in CI (which runs `make docs` first) it fails.
func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docsPage)
	if err == nil {
		return string(b)
	}
	msg := "docs-build/index.html is missing: run `make docs` (needs Node.js >= 20.19 and npm)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	if _, lookErr := exec.LookPath("npm"); lookErr != nil {
		msg += "; npm is not installed"
	}
	t.Skip(msg)
	return ""
}

// The static reference loads nothing at view time: no external script, stylesheet, font or
// @import, and a Content-Security-Policy that refuses every other host (Redoc's bundle names
// a CDN logo; the policy keeps the browser from fetching it).
func TestStaticDocsAreSelfContained(t *testing.T) {
	page := readDocs(t)
	external := map[string]*regexp.Regexp{
		"external script":       regexp.MustCompile(`(?i)<script[^>]+src\s*=\s*["']?\s*(https?:)?//`),
		"external stylesheet":   regexp.MustCompile(`(?i)<link[^>]+href\s*=\s*["']?\s*(https?:)?//`),
		"any script file":       regexp.MustCompile(`(?i)<script[^>]+src\s*=`),
		"CSS @import":           regexp.MustCompile(`(?i)@import\s+(url\()?\s*["']?\s*(https?:)?//`),
		"web font from the web": regexp.MustCompile(`(?i)fonts\.(googleapis|gstatic)\.com`),
	}
	for what, re := range external {
		if m := re.FindString(page); m != "" {
			t.Errorf("%s in docs-build/index.html: %q", what, m)
		}
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"\s+content="([^"]+)"`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy meta tag: was the page built with api/redoc.hbs?")
	}
	for _, directive := range strings.Split(csp[1], ";") {
		if strings.Contains(directive, "http") || strings.Contains(directive, "*") {
			t.Errorf("the policy lets the page reach another host: %q", strings.TrimSpace(directive))
		}
	}
	if !strings.Contains(csp[1], "default-src 'none'") {
		t.Errorf("the policy does not default to 'none': %q", csp[1])
	}
	for _, op := range []string{"Log in with username, password and organisation", "Release a token",
		"Get a token for a Web API key", "Get a token for a consumer application key"} {
		if !strings.Contains(page, op) {
			t.Errorf("the reference lacks the operation %q", op)
		}
	}
}
