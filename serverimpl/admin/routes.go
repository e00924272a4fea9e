package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
)

// DocumentPath is where the stub serves api/admin.yaml.
const DocumentPath = "/_crmauth/openapi.yaml"

// The clock routes' paths, as before they moved into admin.yaml.
const (
	ClockPath        = "/_crmauth/clock"
	ClockAdvancePath = "/_crmauth/clock/advance"
	ClockResetPath   = "/_crmauth/clock/reset"
)

// maxBody bounds the one request body the routes take ({"seconds": N}).
const maxBody = 4096

// Register mounts the routes of api/admin.yaml on e, each behind mw (the stub's own, outermost
// first), protected mode (protect), the admin token when one is set, and validation against
// the document. Errors the
// routes return (validation's *openapi3filter.RequestError among them) are the stub's
// HTTPErrorHandler's to answer in the envelope.
func (a *Admin) Register(e *echo.Echo, mw ...echo.MiddlewareFunc) error {
	doc, err := adminapi.GetSpec()
	if err != nil {
		return err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return err
	}
	chain := append(append([]echo.MiddlewareFunc{}, mw...), a.protect, a.requireToken, validate(router))
	e.GET(DocumentPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", adminapi.Document)
	}, mw...)
	adminapi.RegisterHandlers(chained{e, chain}, adminapi.NewStrictHandler(&handlers{a}, nil))
	return nil
}

// chained adds the middleware chain to every route the generated code registers.
type chained struct {
	e     *echo.Echo
	chain []echo.MiddlewareFunc
}

func (r chained) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	return r.e.Add(method, path, h, append(append([]echo.MiddlewareFunc{}, r.chain...), m...)...)
}

func (r chained) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodConnect, p, h, m)
}
func (r chained) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodDelete, p, h, m)
}
func (r chained) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, p, h, m)
}
func (r chained) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodHead, p, h, m)
}
func (r chained) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodOptions, p, h, m)
}
func (r chained) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPatch, p, h, m)
}
func (r chained) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPost, p, h, m)
}
func (r chained) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPut, p, h, m)
}
func (r chained) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodTrace, p, h, m)
}

// requireToken checks the admin token, when one is set. Both sides are compared as SHA-256
// digests in constant time: neither the token nor its length shows in the timing.
func (a *Admin) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	if a.cfg.Token == "" {
		return next
	}
	want := sha256.Sum256([]byte(a.cfg.Token))
	return func(c echo.Context) error {
		scheme, got, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		digest := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare(digest[:], want[:]) == 1 {
			return next(c)
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="crmauth-admin"`)
		return c.JSON(http.StatusUnauthorized, failure(adminapi.ErrorCodeInvalidToken,
			"the administration routes need Authorization: Bearer <admin token>"))
	}
}

// validate checks each request against admin.yaml with kin-openapi, as the CRM.COM methods
// are checked against openapi.yaml.
func validate(router routers.Router) echo.MiddlewareFunc {
	options := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body != nil {
				r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBody)
			}
			route, params, err := router.FindRoute(r)
			if err != nil {
				return err
			}
			in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options}
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				return err
			}
			return next(c)
		}
	}
}

var descriptions = map[adminapi.ErrorCode]string{
	adminapi.ErrorCodeInvalidToken:       "The token is not valid.",
	adminapi.ErrorCodeNotFound:           "Not found.",
	adminapi.ErrorCodeInvalidFixtures:    "The fixtures file did not load.",
	adminapi.ErrorCodeInternalError:      "The server failed to answer the request.",
	adminapi.ErrorCodeServiceUnavailable: "The server cannot answer now.",
	adminapi.ErrorCodeInvalidRequest:     "The request is not valid for this method.",
}

func failure(code adminapi.ErrorCode, message string) adminapi.ErrorResponse {
	return adminapi.ErrorResponse{Status: adminapi.ErrorStatus{Code: code, Description: descriptions[code], Message: message}}
}

func ok() adminapi.OKStatus { return adminapi.OKStatus{Code: adminapi.OK} }

// storeRetryAfter is the Retry-After of a store that cannot be asked, as the CRM.COM methods
// answer it.
const storeRetryAfter = 1

// unavailableAnswer is the answer when a store cannot be asked (every error Admin's methods
// return but their sentinels): 503 naming the store, never its error (which may name its
// address).
func unavailableAnswer(err error) adminapi.ServiceUnavailableJSONResponse {
	message := "a store of the stub is unavailable; try again shortly"
	if se, ok := errors.AsType[*StoreError](err); ok {
		message = "the " + se.Store + " is unavailable; try again shortly"
	}
	return adminapi.ServiceUnavailableJSONResponse{
		Body:    failure(adminapi.ErrorCodeServiceUnavailable, message),
		Headers: adminapi.ServiceUnavailableResponseHeaders{RetryAfter: storeRetryAfter},
	}
}
