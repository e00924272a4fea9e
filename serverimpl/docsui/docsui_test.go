package docsui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/docsui"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// The page is served at /docs and /docs/, loads the stub's own spec, and every asset it
// names is served from below /docs/ — nothing comes from another host.
func TestPageLoadsOnlyLocalAssets(t *testing.T) {
	h := docsui.Handler()
	for _, path := range []string{"/docs", "/docs/"} {
		res, page := get(t, h, path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.Contains(page, `"swaggerJsonUrl":"/openapi.json"`) {
			t.Errorf("GET %s: page does not load /openapi.json", path)
		}
		refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
		if len(refs) < 3 {
			t.Fatalf("GET %s: expected script and stylesheet references, found %v", path, refs)
		}
		for _, ref := range refs {
			url := ref[1]
			if !strings.HasPrefix(url, "/docs/") {
				t.Errorf("GET %s: asset %q is not served by the stub", path, url)
				continue
			}
			if res, body := get(t, h, url); res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Errorf("GET %s: %d, %d bytes", url, res.StatusCode, len(body))
			}
		}
		if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).FindString(page); m != "" {
			t.Errorf("GET %s: page references an external URL: %q", path, m)
		}
	}
}

// The bundle is Swagger UI 5 (what the try-it-out behaviour and the browser test rely on).
func TestServesSwaggerUIBundle(t *testing.T) {
	res, body := get(t, docsui.Handler(), "/docs/swagger-ui-bundle.js")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if !strings.Contains(body, "SwaggerUIBundle") {
		t.Fatal("the bundle does not define SwaggerUIBundle")
	}
}

// With the admin document, the page offers both in its top bar, the CRM.COM methods first.
func TestPageOffersBothDocuments(t *testing.T) {
	_, page := get(t, docsui.Handler(docsui.Admin), "/docs")
	for _, want := range []string{
		`urls: [{"name":"CRM.COM authentication methods (openapi.yaml)","url":"/openapi.json"},{"name":"crmauth stub administration (admin.yaml)","url":"/_crmauth/openapi.yaml"}]`,
		`"urls.primaryName": "CRM.COM authentication methods (openapi.yaml)"`,
		`"showTopBar":true`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if _, one := get(t, docsui.Handler(), "/docs"); strings.Contains(one, "urls:") {
		t.Error("without the admin document the page still offers a list")
	}
}

// With the admin routes on, the page links the console; without them, it does not.
func TestPageLinksTheConsoleWithTheAdminRoutes(t *testing.T) {
	if _, page := get(t, docsui.Handler(docsui.Admin), "/docs"); !strings.Contains(page, `href="`+docsui.ConsolePath+`"`) {
		t.Error("with the admin document the page does not link the console")
	}
	if _, page := get(t, docsui.Handler(), "/docs"); strings.Contains(page, docsui.ConsolePath) {
		t.Error("without the admin routes the page links the console")
	}
}
