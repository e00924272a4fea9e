package serverimpl

import (
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/docsui"
)

// mountDocs serves the Swagger UI at /docs, outside validation.
func mountDocs(e *echo.Echo) {
	h := echo.WrapHandler(docsui.Handler())
	e.GET(docsui.Path, h)
	e.GET(docsui.Path+"/*", h)
}
