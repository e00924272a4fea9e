package httpstub

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/benchreq"
)

// BenchmarkRequestValidation measures what the stub does to a request before its handler
// runs: the body rules and kin-openapi's validation against the spec (route lookup, Basic
// authentication, body schema), in front of a handler that does nothing.
func BenchmarkRequestValidation(b *testing.B) {
	spec, err := gen.GetSpec()
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	keyed, err := basicKeyOperations(spec)
	if err != nil {
		b.Fatal(err)
	}
	validator := newValidator(spec, keyed)
	noop := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.POST(BasePath+"/authentication/web_api_key/token", noop, bodyRules, requireBasicKey, validator)
	e.POST(BasePath+"/authentication/token", noop, bodyRules, validator)
	for _, bc := range []struct {
		name string
		req  *benchreq.Request
	}{
		{"web_api_key_token", benchreq.New(BasePath+"/authentication/web_api_key/token", benchreq.VendorBasicAuth, `{}`)},
		{"login", benchreq.New(BasePath+"/authentication/token", "",
			`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := benchreq.NewWriter()
			b.ReportAllocs()
			for b.Loop() {
				e.ServeHTTP(w.Reset(), bc.req.Next())
				if w.Status != http.StatusNoContent {
					b.Fatalf("status %d", w.Status)
				}
			}
		})
	}
}
