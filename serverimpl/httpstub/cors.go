package httpstub

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// cors lets browser apps on other origins call every method: preflight answered, the
// Authorization, Content-Type and fault-injection headers allowed, and Retry-After and
// WWW-Authenticate readable by scripts.
func cors(origins []string) echo.MiddlewareFunc {
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: origins,
		// DELETE: the admin routes' (DELETE /_crmauth/requests, /_crmauth/sessions/{jti}).
		AllowMethods:  []string{http.MethodPost, http.MethodGet, http.MethodDelete, http.MethodOptions},
		AllowHeaders:  []string{"Authorization", "Content-Type", FaultHeader, RetryAfterHeader, LatencyHeader},
		ExposeHeaders: []string{"Retry-After", "WWW-Authenticate"},
		MaxAge:        600,
	})
}
