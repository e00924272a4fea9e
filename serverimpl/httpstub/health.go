package httpstub

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/authority"
)

// mountOperational serves the routes for whoever runs the stub, outside validation: /healthz
// today. A new one (a metrics route) goes here.
func (s *Stack) mountOperational(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
}

// healthz answers /healthz: 200 with the number of sessions held, or 503 saying what does not
// answer (Options.Health, then the session store).
func (s *Stack) healthz(c echo.Context) error {
	ctx := c.Request().Context()
	if s.opts.Health != nil {
		if err := s.opts.Health(ctx); err != nil {
			return unhealthy(err)
		}
	}
	n, err := s.authority.Sessions().Len(ctx)
	if err != nil {
		return unhealthy(err)
	}
	writeJSON(c.Response(), http.StatusOK, map[string]any{
		"data":   map[string]any{"healthy": true, "sessions": n},
		"status": okStatus(),
	})
	return nil
}

// unhealthy is /healthz's 503: unlike the methods' answers it names the cause, for whoever
// runs the stub (errors from a store name addresses, never credentials).
func unhealthy(err error) *failure {
	return &failure{Code: authority.CodeServiceUnavailable, Message: "unhealthy: " + err.Error(), RetryAfter: authority.StoreRetryAfter}
}
