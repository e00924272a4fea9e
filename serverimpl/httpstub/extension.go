package httpstub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// An Extension adds to the stub past CRM.COM's four methods (serverimpl.Options.Extensions).
// The stub calls Extend once, after the four methods are mounted and before anything is
// served: it may mount routes on s.Echo(), and may return the handler for every request under
// BasePath that is not one of the four methods (at most one extension may), which then gets
// the stub's request log, recovery and CORS in front. Without one, those requests answer 404
// NOT_FOUND.
type Extension interface {
	Extend(s *Stack) (otherMethods http.Handler, err error)
}

// Extend runs the extensions in turn, and routes the other methods to the one handler they
// return.
func (s *Stack) Extend(extensions []Extension) error {
	var other http.Handler
	for _, x := range extensions {
		h, err := x.Extend(s)
		if err != nil {
			return err
		}
		if h != nil && other != nil {
			return errors.New("serverimpl: two extensions answer the other methods under " + BasePath)
		}
		if h != nil {
			other = h
		}
	}
	if other != nil {
		s.mountOtherMethods(other)
	}
	return nil
}

// mountOtherMethods routes every path under BasePath to h, except the four methods' own paths:
// there a wrong HTTP method stays 405, as without an extension.
func (s *Stack) mountOtherMethods(h http.Handler) {
	own := map[string]bool{}
	for _, r := range s.echo.Routes() {
		if strings.HasPrefix(r.Path, BasePath+"/") {
			own[r.Path] = true
		}
	}
	wrapped := echo.WrapHandler(h)
	s.echo.Any(BasePath+"/*", func(c echo.Context) error {
		if own[c.Request().URL.Path] {
			c.Response().Header().Set("Allow", "OPTIONS, POST") // as Echo's own 405 says
			return fail(gen.ErrorCodeMethodNotAllowed, fmt.Sprintf("%s is not allowed here; use POST", c.Request().Method))
		}
		return wrapped(c)
	})
}
