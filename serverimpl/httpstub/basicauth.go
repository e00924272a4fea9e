package httpstub

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/crmcom-community/crmauth/gen"
)

// basicKeySchemes are the spec's security schemes the stub knows: HTTP Basic with the key as
// the username and an empty password.
var basicKeySchemes = map[string]bool{"WebApiKey": true, "ConsumerApplicationKey": true}

// basicKeyOperations lists the operations whose security requirement is one of
// basicKeySchemes, and fails on a requirement the stub does not know (a spec edit that needs
// code). These operations get requireBasicKey in front of request validation.
func basicKeyOperations(spec *openapi3.T) (map[string]bool, error) {
	ops := map[string]bool{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			security := op.Security
			if security == nil {
				security = &spec.Security
			}
			for _, requirement := range *security {
				for scheme := range requirement {
					if !basicKeySchemes[scheme] {
						return nil, fmt.Errorf("serverimpl: operation %s: security scheme %s is not supported", op.OperationID, scheme)
					}
					ops[op.OperationID] = true
				}
			}
		}
	}
	return ops, nil
}

// singleAuthorization refuses a request that carries more than one Authorization header,
// on every route: the field holds one set of credentials (RFC 9110 §11.6.2; it is not a
// list), and readers disagree on which of two counts (net/http's Header.Get takes the first, a
// proxy may take the last), which is the same ambiguity as a duplicate JSON member. Refusing
// it here, before any route's middleware, covers every reader of the header: the key
// methods, RequireToken, and routes mounted later. The message names the header, never its
// values.
func singleAuthorization(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if n := len(c.Request().Header.Values("Authorization")); n > 1 {
			return fail(gen.ErrorCodeInvalidRequest, fmt.Sprintf("Authorization header is sent %d times: send it once", n))
		}
		return next(c)
	}
}

// requireBasicKey is the security check of the key-based operations: it checks the form of the
// credentials, as authenticate does for kin-openapi, and hands the key on. It runs in front
// of request validation, which then skips security (see newValidator).
func requireBasicKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		key, problem := parseBasicKey(r.Header.Get("Authorization"))
		if problem != "" {
			return keyRefused(problem)
		}
		exchangeFrom(r.Context()).key = key
		return next(c)
	}
}

// authenticate is kin-openapi's AuthenticationFunc for the two Basic schemes (WebApiKey,
// ConsumerApplicationKey). It only checks the form of the credentials (HTTP Basic, valid
// base64, a key, an empty password) and hands the key on; whether the key is known is the
// authority's decision, next to the other credential checks.
//
// kin-openapi calls it with a context of its own: the Echo context comes from the
// echo-middleware, and the key goes into the request's exchange, which strict handlers see.
// Its errors must be *echo.HTTPError to be answered 401 (anything else becomes 403).
func authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	switch in.SecuritySchemeName {
	case "WebApiKey", "ConsumerApplicationKey":
	default:
		return keyRefused("security scheme " + in.SecuritySchemeName + " is not supported")
	}
	key, problem := parseBasicKey(in.RequestValidationInput.Request.Header.Get("Authorization"))
	if problem != "" {
		return keyRefused(problem)
	}
	if c := echomiddleware.GetEchoContext(ctx); c != nil {
		exchangeFrom(c.Request().Context()).key = key
	}
	return nil
}

func keyRefused(message string) *echo.HTTPError {
	return &echo.HTTPError{Code: http.StatusUnauthorized, Message: message, Internal: fail(gen.ErrorCodeInvalidKey, message)}
}

// parseBasicKey returns the key sent as `Authorization: Basic base64(key:)`, or what is wrong
// with the header. The messages never repeat the credentials.
func parseBasicKey(header string) (key, problem string) {
	if header == "" {
		return "", "Authorization header is missing: send the key as the HTTP Basic username with an empty password"
	}
	scheme, encoded, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "Authorization is not HTTP Basic: send the key as the HTTP Basic username with an empty password"
	}
	encoded = strings.TrimSpace(encoded)
	var small [64]byte // a key's credentials fit: decoded on the stack, only the key is kept
	buf := small[:]
	if n := base64.StdEncoding.DecodedLen(len(encoded)); n > len(small) {
		buf = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(buf, []byte(encoded))
	if err != nil {
		return "", "Authorization Basic credentials are not valid base64"
	}
	k, password, ok := bytes.Cut(buf[:n], []byte(":"))
	key = string(k)
	switch {
	case !ok:
		return "", "Authorization Basic credentials have no ':' after the key"
	case len(password) != 0:
		return "", "the HTTP Basic password must be empty: send the key as the username only"
	case key == "":
		return "", "the key (HTTP Basic username) is empty"
	}
	return key, ""
}
