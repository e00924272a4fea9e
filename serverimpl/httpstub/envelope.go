package httpstub

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// handleError is Echo's HTTPErrorHandler: every error that reaches Echo (validation, routing,
// body rules, injected faults, panics) is answered in the spec's envelope, never in Echo's
// default text body.
func (s *Stack) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	f := s.failureFor(err, c)
	exchangeFrom(c.Request().Context()).noteRefusal(f)
	writeFailure(c.Response(), f)
}

// failureFor maps an error to the catalogue.
func (s *Stack) failureFor(err error, c echo.Context) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		return requestErrorFailure(re)
	}
	r := c.Request()
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			// Echo routes on the path as sent (URL.RawPath when it has escapes), so
			// /authentication/%74oken is no method: name what was asked, not the decoded
			// path, which may be a method that exists. Routing the decoded path instead (as
			// net/http's ServeMux would) would make %2F a second way of writing '/'.
			return fail(gen.ErrorCodeNotFound, fmt.Sprintf("no method at %s", r.URL.EscapedPath()))
		case http.StatusMethodNotAllowed:
			return fail(gen.ErrorCodeMethodNotAllowed, methodNotAllowed(r.Method, c.Response().Header().Get(echo.HeaderAllow)))
		case http.StatusRequestEntityTooLarge:
			return fail(gen.ErrorCodePayloadTooLarge, fmt.Sprintf("request body is over %d bytes", MaxBodyBytes))
		case http.StatusUnsupportedMediaType:
			return fail(gen.ErrorCodeUnsupportedMediaType, "the request body must be application/json")
		case http.StatusBadRequest:
			// The strict handler's binder: a body that passed validation but does not bind.
			return fail(gen.ErrorCodeInvalidRequest, "request body: "+firstLine(fmt.Sprint(he.Message)))
		}
	}
	s.logger.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	f = internalError()
	f.Reason = "an unexpected error (or a panic) in the stub: its log has the details"
	return f
}

// methodNotAllowed says which methods the route takes, from the Allow header Echo's router set
// (OPTIONS, which every route answers for CORS, left out): "DELETE is not allowed here; use GET".
func methodNotAllowed(method, allow string) string {
	var use []string
	for m := range strings.SplitSeq(allow, ",") {
		if m = strings.TrimSpace(m); m != "" && m != http.MethodOptions {
			use = append(use, m)
		}
	}
	if len(use) == 0 {
		return method + " is not allowed here"
	}
	return method + " is not allowed here; use " + strings.Join(use, " or ")
}

// writeFailure writes the envelope with the headers the catalogue gives the code.
func writeFailure(w *echo.Response, f *failure) {
	h := w.Header()
	switch codeOf(f) {
	case gen.ErrorCodeTooManyRequests, gen.ErrorCodeServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds()))
	}
	// Every 401 carries a challenge; one a route set itself (RequireToken's Bearer) stands.
	if statusOf(f) == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", challenge(codeOf(f)))
	}
	writeJSON(w, statusOf(f), envelopeOf(f))
}

func writeJSON(w *echo.Response, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil { // the envelope types always marshal; keep the promise of a JSON body anyway
		status, data = http.StatusInternalServerError, []byte(`{"data":null,"status":{"code":"INTERNAL_ERROR","description":"","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
