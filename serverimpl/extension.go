package serverimpl

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
)

// Routes is the Extension for routes of your own next to CRM.COM's methods, or for any other
// configuration of the Echo instance: mount is called once, after the stub's own routes and
// before anything is served, so Start and Listen serve them from the first request. Guard a
// route with s.RequireToken(); such routes are not validated against the spec, but do get the
// envelope, CORS and the request log.
func Routes(mount func(e *echo.Echo, s *Stub)) Extension { return routes(mount) }

type routes func(e *echo.Echo, s *Stub)

// Extend is reached only outside New, which calls mount with its own stub (Stub.extensions).
func (r routes) Extend(*httpstub.Stack) (http.Handler, error) {
	return nil, errors.New("serverimpl: Routes extends a stub built by serverimpl.New")
}

// extensions are Options.Extensions, Routes among them bound to s.
func (s *Stub) extensions() []Extension {
	xs := make([]Extension, len(s.opts.Extensions))
	for i, x := range s.opts.Extensions {
		if r, ok := x.(routes); ok {
			x = boundRoutes{r, s}
		}
		xs[i] = x
	}
	return xs
}

// boundRoutes is Routes' mount for the stub s.
type boundRoutes struct {
	mount routes
	s     *Stub
}

func (b boundRoutes) Extend(h *httpstub.Stack) (http.Handler, error) {
	b.mount(h.Echo(), b.s)
	return nil, nil
}
