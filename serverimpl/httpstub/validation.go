package httpstub

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/crmcom-community/crmauth/gen"
)

// newValidator builds, once, the kin-openapi request validator for the spec's operations.
// The spec keeps its single relative server (/crmapi/rest/v2), which the validator matches by
// path only: no Host check, and no Prefix stripping (which would validate a clone of the
// request and leave the handler an already-read body).
//
// The validation itself is echo-middleware's and kin-openapi's (ValidateRequestFromContext);
// only the route lookup is done once per operation instead of once per request. Echo has
// already routed the request when the validator runs, so matching it again against the spec
// with gorilla/mux's regular expressions (a tenth of a token request's CPU time) could only
// find the same operation. Each spec operation's route is resolved at start-up by that same
// router, and picked per request by Echo's route (method and path template); a request on any
// other route (one mounted by hand) is looked up the library's way.
//
// The operations in keyed have their Basic credentials checked by requireBasicKey in front of
// the validator, so their resolved routes carry no security requirement: kin-openapi's own
// check reads the body once more for it (a tenth of a token request's CPU time).
// TestValidatorMatchesLibraryValidator holds the two together to the library's answers.
func newValidator(spec *openapi3.T, keyed map[string]bool) echo.MiddlewareFunc {
	options := &echomiddleware.Options{
		Options: openapi3filter.Options{
			AuthenticationFunc: authenticate,
			// The strict handler binds the value that was validated instead of decoding the
			// body a second time.
			KeepValidatedValue: true,
			// No request schema declares a default (TestRequestSchemasHaveNoDefaults), so
			// there is nothing to write into a body: skip the per-request look-up for it.
			SkipSettingDefaults: true,
		},
		SilenceServersWarning: true,
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		panic(err) // as echomiddleware.OapiRequestValidatorWithOptions does: the spec is embedded
	}
	routes := resolveRoutes(spec, router, keyed)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if route, ok := routes[echoRoute{c.Request().Method, c.Path()}]; ok {
				if err := validateResolved(c, route.route, options); err != nil {
					return err
				}
				return next(c)
			}
			if err := echomiddleware.ValidateRequestFromContext(c, router, options); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// validateResolved is echomiddleware.ValidateRequestFromContext for a route already resolved
// (no FindRoute, no path parameters to unescape, no Prefix), with its two context values and
// its validation input in the request's exchange context instead of three allocations of
// their own. The errors are turned into the same *echo.HTTPError as it does.
func validateResolved(c echo.Context, route *routers.Route, options *echomiddleware.Options) *echo.HTTPError {
	req := c.Request()
	var v *validationScratch
	if xc, ok := req.Context().(*exchangeContext); ok {
		v = &xc.validation
	} else {
		v = new(validationScratch) // a request that did not come through requestLog
	}
	v.echo, v.userData = c, options.UserData
	v.input = openapi3filter.RequestValidationInput{
		Request: req, Route: route, Options: &options.Options, ParamDecoder: options.ParamDecoder,
	}
	err := openapi3filter.ValidateRequest(v, &v.input)
	if err == nil {
		return nil
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		if options.MultiErrorHandler != nil {
			return options.MultiErrorHandler(me)
		}
		return &echo.HTTPError{Code: http.StatusBadRequest, Message: me.Error(), Internal: me}
	}
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		line, _, _ := strings.Cut(e.Error(), "\n")
		return &echo.HTTPError{Code: http.StatusBadRequest, Message: line, Internal: err}
	case *openapi3filter.SecurityRequirementsError:
		for _, err := range e.Errors {
			if httpErr, ok := err.(*echo.HTTPError); ok {
				return httpErr
			}
		}
		return &echo.HTTPError{Code: http.StatusForbidden, Message: e.Error(), Internal: err}
	}
	return &echo.HTTPError{Code: http.StatusInternalServerError, Message: fmt.Sprintf("error validating request: %s", err), Internal: err}
}

// validationScratch is what validateResolved hands kin-openapi for one request: the context
// of echo-middleware's callbacks (the Echo context and the options' user data, which
// authenticate reads with echomiddleware.GetEchoContext) and the validation input.
type validationScratch struct {
	echo     echo.Context
	userData any
	input    openapi3filter.RequestValidationInput
}

// validationScratch is a context.Context as echo-middleware builds it: context.Background
// with two values.
func (*validationScratch) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*validationScratch) Done() <-chan struct{}       { return nil }
func (*validationScratch) Err() error                  { return nil }
func (v *validationScratch) Value(key any) any {
	switch key {
	case echomiddleware.EchoContextKey:
		return v.echo
	case echomiddleware.UserDataKey:
		return v.userData
	}
	return nil
}

// echoRoute is a route as Echo knows it: method and path template.
type echoRoute struct{ method, path string }

// resolveRoutes asks the spec's router, once, which route each operation's Echo route is.
// Operations with path parameters are left out (the stub has none; their parameters need
// the per-request match).
func resolveRoutes(spec *openapi3.T, router routers.Router, keyed map[string]bool) map[echoRoute]resolvedRoute {
	routes := map[echoRoute]resolvedRoute{}
	for path, item := range spec.Paths.Map() {
		if strings.Contains(path, "{") {
			continue
		}
		for method := range item.Operations() {
			req := &http.Request{Method: method, URL: &url.URL{Path: BasePath + path}, Header: http.Header{}}
			route, _, err := router.FindRoute(req)
			if err != nil {
				continue // left to the per-request lookup, which answers the same error
			}
			if keyed[route.Operation.OperationID] {
				r, op := *route, *route.Operation
				op.Security = &openapi3.SecurityRequirements{} // checked by requireBasicKey
				r.Operation = &op
				route = &r
			}
			routes[echoRoute{method, BasePath + path}] = resolvedRoute{route}
		}
	}
	return routes
}

// resolvedRoute is a routers.Router that knows its one route already.
type resolvedRoute struct{ route *routers.Route }

func (r resolvedRoute) FindRoute(*http.Request) (*routers.Route, map[string]string, error) {
	return r.route, nil, nil
}

// requestErrorFailure turns a validation failure into INVALID_REQUEST with a message that
// names the field, e.g. `request body: property "organisation" is missing`. Messages come from
// kin-openapi's reasons, which never include the value sent (it may be a password).
func requestErrorFailure(re *openapi3filter.RequestError) *failure {
	return fail(gen.ErrorCodeInvalidRequest, requestErrorMessage(re))
}

func requestErrorMessage(re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	var pe *openapi3filter.ParseError
	switch {
	case errors.As(re.Err, &se):
		return "request body: " + schemaErrorMessage(se)
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return "request body: is missing; send a JSON object"
	case errors.As(re.Err, &pe):
		return "request body: not valid JSON: " + firstLine(pe.Error())
	case re.Parameter != nil:
		return "parameter " + re.Parameter.Name + ": " + firstLine(re.Reason)
	}
	return firstLine(re.Error())
}

func schemaErrorMessage(se *openapi3.SchemaError) string {
	return schemaErrorMessageAt(nil, se)
}

// schemaErrorMessageAt is schemaErrorMessage for an error found inside the value at prefix.
func schemaErrorMessageAt(prefix []string, se *openapi3.SchemaError) string {
	path := slices.Concat(prefix, se.JSONPointer())
	switch se.SchemaField {
	case "anyOf":
		if len(path) > 0 && path[len(path)-1] == "access_token_identifier" {
			return identifierMessage(path, se)
		}
	case "required":
		// kin-openapi puts the missing member on the path and in the reason; say it once.
		if len(path) > 0 {
			path = path[:len(path)-1]
		}
	}
	reason := se.Reason
	if reason == "" {
		reason = "does not match the schema's " + se.SchemaField
	}
	return at(path, reason)
}

// identifierMessage says why an access_token_identifier matches none of the anyOf's complete
// shapes. kin-openapi checks anyOf before the members, so a member of the wrong type or length
// fails the anyOf too: the members are checked again without the anyOf to name that member,
// and only an identifier whose members are each right is a wrong pairing.
func identifierMessage(path []string, se *openapi3.SchemaError) string {
	members := *se.Schema
	members.AnyOf = nil
	var inner *openapi3.SchemaError
	if err := members.VisitJSON(se.Value); errors.As(err, &inner) {
		return schemaErrorMessageAt(path, inner)
	}
	given, _ := se.Value.(map[string]any)
	_, identifier := given["identifier"]
	_, passCode := given["pass_code"]
	switch {
	case identifier && !passCode:
		return at(path, "identifier needs pass_code")
	case passCode && !identifier:
		return at(path, "pass_code needs identifier")
	}
	return at(path, "give authentication_code, or identifier together with pass_code")
}

// at prefixes a reason with the dotted path of the member it is about.
func at(path []string, reason string) string {
	if len(path) == 0 {
		return reason
	}
	return strings.Join(path, ".") + ": " + reason
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
