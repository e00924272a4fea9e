package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/console"
)

// maxBytes is the bound on the page and its assets together.
const maxBytes = 150 * 1024

func serve(t *testing.T, path string) *http.Response {
	t.Helper()
	e := echo.New()
	e.GET(console.Path, console.Handle)
	e.GET(console.Path+"/*", console.Handle)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

// The page (at both addresses) and each asset are served with their type and a
// Content-Security-Policy that allows no inline script; the page links only files served here.
func TestServesThePageAndAssets(t *testing.T) {
	for path, ctype := range map[string]string{
		console.Path:                  "text/html",
		console.Path + "/":            "text/html",
		console.Path + "/console.js":  "text/javascript",
		console.Path + "/console.css": "text/css",
		console.Path + "/icon.svg":    "image/svg+xml",
	} {
		resp := serve(t, path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if path == console.Path+"/" {
			for _, asset := range []string{"/console.js", "/console.css", "/icon.svg"} {
				if !strings.Contains(string(body), `"`+console.Path+asset+`"`) {
					t.Errorf("the page does not link %s", asset)
				}
			}
			if strings.Contains(string(body), "<script>") || strings.Contains(string(body), " style=") {
				t.Error("the page has an inline script or style")
			}
		}
	}
}

// Anything else below the console's path is not found (the stub answers it in its envelope).
func TestUnknownAssetIsNotFound(t *testing.T) {
	for _, path := range []string{console.Path + "/nope.js", console.Path + "/ui/console.js", console.Path + "/../console.go", console.Path + "/console"} {
		if resp := serve(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// The page and its assets stay under 150 KB together, as the issue bounds them.
func TestPageIsSmall(t *testing.T) {
	total := 0
	err := fs.WalkDir(console.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(console.Files(), path)
		total += len(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the page and its assets: %d bytes", total)
	if total > maxBytes {
		t.Fatalf("the page and its assets are %d bytes, over %d", total, maxBytes)
	}
}
