// Package console serves the stub's web console at /_crmauth/ui/: one page, a script and a
// style sheet, embedded in the binary (no CDN, no build step: hand-written files under ui/),
// that show the journal live, the sessions, the clock and coverage, and reset the stub. The
// page is one more client of api/admin.yaml: everything it shows it reads from the admin
// routes, with the admin token (when the stub has one) sent as Authorization: Bearer.
//
// The page holds no data, so it is served without the admin token; its Content-Security-Policy
// allows scripts, styles and requests to the stub's own origin only, and no inline script.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Path is where the page lives (also at Path + "/"); its assets are served below Path + "/".
const Path = "/_crmauth/ui"

//go:embed ui
var files embed.FS

// Files are the page and its assets, as served.
func Files() fs.FS {
	sub, _ := fs.Sub(files, "ui") // "ui" is embedded: cannot fail
	return sub
}

// policy is the Content-Security-Policy of the page and its assets: the stub's own origin for
// scripts, styles, images and fetches; nothing inline, nothing framed, no form posted.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// Handle serves the page at Path and Path + "/", and its assets at Path + "/<file>"; any
// other path below Path is echo.ErrNotFound, for the stub to answer in its envelope. Mount it
// for both Path and Path + "/*".
func Handle(c echo.Context) error {
	name := strings.TrimPrefix(strings.TrimPrefix(c.Request().URL.Path, Path), "/")
	if name == "" {
		name = "index.html"
	}
	ctype := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && !strings.Contains(name, "/") {
		ctype = types[name[i:]]
	}
	body, err := files.ReadFile("ui/" + name)
	if ctype == "" || err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache") // a new binary's page is never mixed with an old script
	return c.Blob(http.StatusOK, ctype, body)
}
