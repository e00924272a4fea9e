package httpstub

import (
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/docsui"
)

// mountDocs serves the Swagger UI at /docs, outside validation; with the admin routes on, the
// reader can switch to their document.
func mountDocs(e *echo.Echo, admin bool) {
	var more []docsui.Document
	if admin {
		more = append(more, docsui.Admin)
	}
	h := echo.WrapHandler(docsui.Handler(more...))
	e.GET(docsui.Path, h)
	e.GET(docsui.Path+"/*", h)
}
