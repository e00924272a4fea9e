package httpstub

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/benchreq"
)

// TestValidatorResolvesEveryOperation: each operation's route is resolved at start-up, so no
// request to a spec method falls back to the per-request lookup.
func TestValidatorResolvesEveryOperation(t *testing.T) {
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	keyed, err := basicKeyOperations(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(keyed) != 2 || !keyed["GetWebApiKeyToken"] || !keyed["GetConsumerApplicationKeyToken"] {
		t.Fatalf("operations with a Basic key: %v; want the two key methods", keyed)
	}
	routes := resolveRoutes(spec, router, keyed)
	want := 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			want++
			r, ok := routes[echoRoute{method, BasePath + path}]
			if !ok || r.route.Operation.OperationID != op.OperationID || r.route.Method != method || r.route.Path != path {
				t.Errorf("%s %s (%s): not resolved to its operation", method, path, op.OperationID)
				continue
			}
			// A keyed operation's security is left to requireBasicKey; any other operation
			// is the spec's own.
			if keyed[op.OperationID] != (r.route.Operation != op && len(*r.route.Operation.Security) == 0) {
				t.Errorf("%s %s (%s): security requirement %v", method, path, op.OperationID, r.route.Operation.Security)
			}
		}
	}
	if want != 4 || len(routes) != want {
		t.Errorf("resolved %d routes for %d operations; the spec has 4", len(routes), want)
	}
}

// TestValidatorMatchesLibraryValidator proves the validator with routes resolved once equal
// to echo-middleware's own OapiRequestValidatorWithOptions (which matches every request with
// gorilla/mux): for every operation and a catalogue of good and bad bodies, headers and media
// types, both return the same error (type, status, message, cause) or both let the request
// through with the same body and the same key for the handler.
func TestValidatorMatchesLibraryValidator(t *testing.T) {
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	libSpec, err := gen.GetSpec() // its own copy: the library may adjust the spec it is given
	if err != nil {
		t.Fatal(err)
	}
	library := echomiddleware.OapiRequestValidatorWithOptions(libSpec, &echomiddleware.Options{
		Options: openapi3filter.Options{
			AuthenticationFunc: authenticate,
			KeepValidatedValue: true,
		},
		SilenceServersWarning: true,
	})
	keyed, err := basicKeyOperations(spec)
	if err != nil {
		t.Fatal(err)
	}
	validator := newValidator(spec, keyed)
	// ours is the stub's chain for the operation at path: requireBasicKey in front of the
	// validator for the key methods.
	ours := func(path string) echo.MiddlewareFunc {
		if item := spec.Paths.Value(path); item != nil && keyed[item.Post.OperationID] {
			return func(next echo.HandlerFunc) echo.HandlerFunc { return requireBasicKey(validator(next)) }
		}
		return validator
	}

	paths := []string{
		"/authentication/token",
		"/authentication/token/release",
		"/authentication/web_api_key/token",
		"/authentication/consumer_application_key/token",
	}
	bodies := []string{
		"", `{}`, `[]`, `null`, `"x"`, `1`, `{`, `{"a":}`, `{}}`,
		`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`,
		`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev","unit":"2"}`,
		`{"username":"jdoe","password":"s3cret-Passw0rd"}`,
		`{"username":1,"password":"p","organisation":"o"}`,
		`{"username":"","password":"","organisation":""}`,
		`{"username":"jdoe","password":"p","organisation":"o","extra":true}`,
		`{"username":"jdoe","password":"p","organisation":"o","unit":2}`,
		`{"token":"a.b.c"}`, `{"token":""}`, `{"token":null}`, `{"token":["a"]}`, `{"token":"a","x":1}`,
		`{"unit":"1"}`, `{"unit":1}`, `{"unit":null}`, `{"other":"1"}`,
		`{"access_token_identifier":{"authentication_code":"abc"}}`,
		`{"access_token_identifier":{"identifier":"i","pass_code":"p"}}`,
		`{"access_token_identifier":{"identifier":"i"}}`,
		`{"access_token_identifier":{}}`,
		`{"access_token_identifier":"abc"}`,
		`{"access_token_identifier":{"authentication_code":"abc","x":1},"unit":"1"}`,
		`{"a":{"b":{"c":{"d":[1,2,{"e":null}]}}}}`,
		strings.Repeat("[", 40) + strings.Repeat("]", 40),
	}
	authorizations := []string{
		"",
		benchreq.VendorBasicAuth,
		"Basic " + "a2V5Og==",     // key:
		"Basic " + "a2V5OnB3",     // key:pw
		"Basic " + "OmtleQ==",     // :key
		"Basic " + "bm9jb2xvbg==", // nocolon
		"Basic !!!",
		"Bearer abc",
		"basic a2V5Og==",
		"Basic",
	}
	contentTypes := []string{"application/json", "application/json; charset=utf-8", "text/plain", ""}

	e := echo.New()
	n := 0
	for _, path := range paths {
		for _, body := range bodies {
			for _, authorization := range authorizations {
				for _, contentType := range contentTypes {
					n++
					newRequest := func() *http.Request {
						var rd io.Reader = strings.NewReader(body)
						if body == "" {
							rd = http.NoBody
						}
						r := httptest.NewRequest(http.MethodPost, BasePath+path, rd)
						if authorization != "" {
							r.Header.Set("Authorization", authorization)
						}
						if contentType != "" {
							r.Header.Set("Content-Type", contentType)
						}
						return withExchangeRequest(r)
					}
					want := runValidator(e, library, BasePath+path, newRequest())
					got := runValidator(e, ours(path), BasePath+path, newRequest())
					if got != want {
						t.Errorf("POST %s, body %q, Authorization %q, Content-Type %q:\n library: %s\n ours:    %s",
							path, body, authorization, contentType, want, got)
					}
				}
			}
		}
	}
	// A route mounted by hand, outside the spec: both look it up per request and refuse it.
	for _, path := range []string{"/bench/protected", BasePath + "/authentication/unknown"} {
		n++
		want := runValidator(e, library, path, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`)))
		got := runValidator(e, ours(path), path, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`)))
		if got != want || !strings.Contains(want, "404") {
			t.Errorf("POST %s outside the spec:\n library: %s\n ours:    %s", path, want, got)
		}
	}
	t.Logf("%d requests compared", n)
}

// withExchangeRequest gives r an exchange as requestLog does (an exchangeContext, which also
// holds the validator's scratch space).
func withExchangeRequest(r *http.Request) *http.Request {
	return r.WithContext(&exchangeContext{Context: r.Context()})
}

// runValidator runs one validator on r as Echo would for the route at path, and describes
// its outcome: the error it returned, or what the handler behind it received.
func runValidator(e *echo.Echo, validator echo.MiddlewareFunc, path string, r *http.Request) string {
	c := e.NewContext(r, httptest.NewRecorder())
	c.SetPath(path)
	var seen string
	err := validator(func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		seen = fmt.Sprintf("passed: body %q, length %d, key %q", body, c.Request().ContentLength,
			exchangeFrom(c.Request().Context()).key)
		return nil
	})(c)
	if err == nil {
		return seen
	}
	// A refusal is described by the answer the stub gives for it (status.code and message):
	// the library wraps a refused key in its own security error, requireBasicKey does not.
	var f *failure
	if errors.As(err, &f) {
		return "refused: " + f.Error()
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		internal := "<nil>"
		if he.Internal != nil {
			internal = fmt.Sprintf("%T %v", he.Internal, he.Internal)
		}
		return fmt.Sprintf("HTTPError %d %v (internal %s)", he.Code, he.Message, internal)
	}
	return fmt.Sprintf("%T %v", err, err)
}

// TestRequestSchemasHaveNoDefaults: the validator skips setting defaults (SkipSettingDefaults),
// which changes nothing only while no request body schema declares one.
func TestRequestSchemasHaveNoDefaults(t *testing.T) {
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Default != nil {
			t.Errorf("%s declares a default (%v): turn SkipSettingDefaults off in newValidator", where, s.Default)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		walk(where+" not", s.Not)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range group {
				walk(where+" (sub-schema)", sub)
			}
		}
		if s.AdditionalProperties.Schema != nil {
			walk(where+".*", s.AdditionalProperties.Schema)
		}
	}
	bodies := 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.Schema != nil {
					walk(method+" "+path+" parameter "+p.Value.Name, p.Value.Schema)
				}
			}
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for mediaType, content := range op.RequestBody.Value.Content {
				bodies++
				walk(method+" "+path+" "+mediaType, content.Schema)
			}
		}
	}
	if bodies != 4 {
		t.Errorf("walked %d request bodies, want the 4 methods'", bodies)
	}
}
