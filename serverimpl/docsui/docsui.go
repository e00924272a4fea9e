// Package docsui serves the stub's interactive API reference: Swagger UI v5 at /docs, with its
// assets embedded in the binary (github.com/swaggest/swgui/v5emb), so it works offline and
// never fetches anything from a CDN. "Try it out" calls the stub itself: the documents'
// server URLs are relative (/crmapi/rest/v2, /), so Swagger UI resolves them against the
// page's own origin.
package docsui

import (
	"encoding/json"
	"net/http"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

const (
	// Path is where the UI lives; its assets are served below Path + "/".
	Path = "/docs"
	// SpecURL is the spec the UI loads first, served by the stub on the same origin.
	SpecURL = "/openapi.json"
	// AdminSpecURL is the document of the stub's administration routes (api/admin.yaml).
	AdminSpecURL = "/_crmauth/openapi.yaml"
)

// ConsolePath is the stub's console (serverimpl/console), served with the admin routes.
const ConsolePath = "/_crmauth/ui/"

// consoleLink heads the page when the console is served.
const consoleLink = `<p style="margin:0;padding:.5rem 1rem;background:#1f4e79;font:15px system-ui,sans-serif">` +
	`<a href="` + ConsolePath + `" style="color:#fff">Open the crmauth console</a>` +
	`<span style="color:#fff"> — the requests your app made, live, with the reason of every refusal; sessions, clock, coverage</span></p>`

// Document is one document the reader can pick in the UI's top bar.
type Document struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// The documents the stub serves.
var (
	Methods = Document{Name: "CRM.COM authentication methods (openapi.yaml)", URL: SpecURL}
	Admin   = Document{Name: "crmauth stub administration (admin.yaml)", URL: AdminSpecURL}
)

// Handler serves Swagger UI at Path and Path + "/" (the page) and its assets below Path + "/".
// Mount it for both "/docs" and "/docs/*"; it expects the request path unchanged. With more
// documents than the CRM.COM methods' (Admin, when the admin routes are on), the page's top
// bar lets the reader switch between them.
func Handler(more ...Document) http.Handler {
	cfg := swgui.Config{
		Title:       "CRM.COM Authentication Web API",
		SwaggerJSON: SpecURL,
		BasePath:    Path,
		SettingsUI: map[string]string{
			// The stub is a sandbox: open every operation ready to send.
			"tryItOutEnabled":        "true",
			"displayRequestDuration": "true",
		},
	}
	for _, d := range more {
		if d == Admin { // the admin routes are on, and with them the console
			cfg.PrependHTML = consoleLink
		}
	}
	if len(more) > 0 {
		urls, _ := json.Marshal(append([]Document{Methods}, more...)) // strings only: cannot fail
		cfg.ShowTopBar = true
		cfg.SettingsUI["urls"] = string(urls)
		primary, _ := json.Marshal(Methods.Name)
		cfg.SettingsUI[`"urls.primaryName"`] = string(primary)
	}
	return v5emb.NewHandlerWithConfig(cfg)
}
