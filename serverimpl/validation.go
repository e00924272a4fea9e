package serverimpl

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/crmcom-community/crmauth/gen"
)

// newValidator builds, once, the kin-openapi request validator for the spec's operations.
// The spec keeps its single relative server (/crmapi/rest/v2), which the validator matches by
// path only: no Host check, and no Prefix stripping (which would validate a clone of the
// request and leave the handler an already-read body).
func newValidator(spec *openapi3.T) echo.MiddlewareFunc {
	return echomiddleware.OapiRequestValidatorWithOptions(spec, &echomiddleware.Options{
		Options: openapi3filter.Options{
			AuthenticationFunc: authenticate,
			// The strict handler binds the value that was validated instead of decoding the
			// body a second time.
			KeepValidatedValue: true,
		},
		SilenceServersWarning: true,
	})
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
	path := se.JSONPointer()
	switch se.SchemaField {
	case "anyOf":
		if len(path) > 0 && path[len(path)-1] == "access_token_identifier" {
			return at(path, "give authentication_code, or identifier together with pass_code")
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
