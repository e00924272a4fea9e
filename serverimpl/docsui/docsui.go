// Package docsui serves the stub's interactive API reference: Swagger UI v5 at /docs, with its
// assets embedded in the binary (github.com/swaggest/swgui/v5emb), so it works offline and
// never fetches anything from a CDN. "Try it out" calls the stub itself: the spec's server URL
// is relative (/crmapi/rest/v2), so Swagger UI resolves it against the page's own origin.
package docsui

import (
	"net/http"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

const (
	// Path is where the UI lives; its assets are served below Path + "/".
	Path = "/docs"
	// SpecURL is the spec the UI loads, served by the stub on the same origin.
	SpecURL = "/openapi.json"
)

// Handler serves Swagger UI at Path and Path + "/" (the page) and its assets below Path + "/".
// Mount it for both "/docs" and "/docs/*"; it expects the request path unchanged.
func Handler() http.Handler {
	return v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "CRM.COM Authentication Web API",
		SwaggerJSON: SpecURL,
		BasePath:    Path,
		SettingsUI: map[string]string{
			// The stub is a sandbox: open every operation ready to send.
			"tryItOutEnabled":        "true",
			"displayRequestDuration": "true",
		},
	})
}
