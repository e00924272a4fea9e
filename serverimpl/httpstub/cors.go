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
	browser := middleware.CORSWithConfig(corsConfig(origins))
	// A request without Origin (not from a browser: a test suite, a backend, curl) that is no
	// preflight gets from Echo's CORS only "Vary: Origin", added with Header.Add, an allocation
	// per request; it is set here from a shared value instead. Every other request goes
	// through Echo's. TestCORSWithoutOriginAsEcho holds both to the same answers.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		withCORS := browser(next)
		return func(c echo.Context) error {
			r, h := c.Request(), c.Response().Header()
			if _, set := h[echo.HeaderVary]; set || r.Method == http.MethodOptions || r.Header.Get(echo.HeaderOrigin) != "" {
				return withCORS(c)
			}
			h[echo.HeaderVary] = varyOrigin
			return next(c)
		}
	}
}

func corsConfig(origins []string) middleware.CORSConfig {
	return middleware.CORSConfig{
		AllowOrigins: origins,
		// DELETE: the admin routes' (DELETE /_crmauth/requests, /_crmauth/sessions/{jti}).
		AllowMethods:  []string{http.MethodPost, http.MethodGet, http.MethodDelete, http.MethodOptions},
		AllowHeaders:  []string{"Authorization", "Content-Type", FaultHeader, RetryAfterHeader, LatencyHeader},
		ExposeHeaders: []string{"Retry-After", "WWW-Authenticate"},
		MaxAge:        600,
	}
}

// varyOrigin is the Vary header's value of every answer, shared: header values are replaced
// (Set) or appended to (Add), never changed in place.
var varyOrigin = []string{echo.HeaderOrigin}
