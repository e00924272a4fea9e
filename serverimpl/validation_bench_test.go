package serverimpl

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// benchRequest is one request sent over and over without allocating: its body is rewound
// before each send.
type benchRequest struct {
	r    *http.Request
	body []byte
	rd   bytes.Reader
}

func newBenchRequest(path, authorization string, body string) *benchRequest {
	r, _ := http.NewRequest(http.MethodPost, path, nil)
	r.RemoteAddr = "192.0.2.1:1234" // as a server sets it (without a port, each read of it allocates an error)
	r.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return &benchRequest{r: r, body: []byte(body)}
}

// next rewinds the body and returns the request to send.
func (b *benchRequest) next() *http.Request {
	b.rd.Reset(b.body)
	b.r.Body, b.r.ContentLength, b.r.GetBody = readCloser{&b.rd}, int64(len(b.body)), nil
	return b.r
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// benchWriter is a ResponseWriter that keeps the status and drops the body.
type benchWriter struct {
	header http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }
func (w *benchWriter) reset() *benchWriter {
	clear(w.header)
	w.status = http.StatusOK
	return w
}

const vendorBasicAuth = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"

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
		req  *benchRequest
	}{
		{"web_api_key_token", newBenchRequest(BasePath+"/authentication/web_api_key/token", vendorBasicAuth, `{}`)},
		{"login", newBenchRequest(BasePath+"/authentication/token", "",
			`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := &benchWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				e.ServeHTTP(w.reset(), bc.req.next())
				if w.status != http.StatusNoContent {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
