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
	if len(more) > 0 {
		urls, _ := json.Marshal(append([]Document{Methods}, more...)) // strings only: cannot fail
		cfg.ShowTopBar = true
		cfg.SettingsUI["urls"] = string(urls)
		primary, _ := json.Marshal(Methods.Name)
		cfg.SettingsUI[`"urls.primaryName"`] = string(primary)
	}
	return v5emb.NewHandlerWithConfig(cfg)
}
