package httpstub

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// The contract as served: openapi.yaml byte for byte and its JSON equivalent, embedded by
// `make generate` (gen.SpecYAML, gen.SpecJSON). Converted to bytes once, not per request.
var (
	specYAML = []byte(gen.SpecYAML)
	specJSON = []byte(gen.SpecJSON)
)

// mountSpec serves the contract, outside validation.
func (s *Stack) mountSpec(e *echo.Echo) {
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", specJSON)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", specYAML)
	})
}
