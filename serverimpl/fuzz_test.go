package serverimpl_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// FuzzHandler drives the whole stub (routing, CORS, body rules, validation, throttling,
// handlers, the envelope) with arbitrary requests. Invariants: no panic, never a 5xx, and
// every answer as the spec says (answerConformance). The seed corpus is the bad-input
// catalogue plus one good request per method.
//
//	go test -run '^$' -fuzz '^FuzzHandler$' -fuzztime 5m ./serverimpl/   (make fuzz)
func FuzzHandler(f *testing.F) {
	for _, in := range badInputs {
		if in.status == http.StatusRequestHeaderFieldsTooLarge {
			continue // net/http's header limit, which is not in the handler
		}
		method := in.method
		if method == "" {
			method = http.MethodPost
		}
		contentType := in.contentType
		if contentType == "" {
			contentType = "application/json"
		}
		var authorization, name, value string
		for i := 0; i+1 < len(in.header); i += 2 {
			if in.header[i] == "Authorization" {
				authorization = in.header[i+1]
			} else {
				name, value = in.header[i], in.header[i+1]
			}
		}
		f.Add(method, serverimpl.BasePath+in.path, contentType, authorization, name, value, []byte(in.body))
	}
	const json = "application/json"
	f.Add(http.MethodPost, serverimpl.BasePath+opLogin, json, "", "", "", []byte(validLogin))
	f.Add(http.MethodPost, serverimpl.BasePath+opLogin, json, "", "", "", []byte(loginWith("unit", `"2"`)))
	f.Add(http.MethodPost, serverimpl.BasePath+opWebKey, json, vendorKeyBasic, "", "", []byte("{}"))
	f.Add(http.MethodPost, serverimpl.BasePath+opWebKey, "", vendorKeyBasic, "", "", []byte(nil))
	f.Add(http.MethodPost, serverimpl.BasePath+opConsumer, json, vendorKeyBasic, "", "", []byte(consumerBody))
	f.Add(http.MethodPost, serverimpl.BasePath+opConsumer, json, vendorKeyBasic, "", "", []byte(`{"access_token_identifier":{"identifier":"maytemplate-card-0001","pass_code":"4321"}}`))
	f.Add(http.MethodPost, serverimpl.BasePath+opRelease, json, "", "", "", []byte(`{"token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJjaWkiOiIyNjk1RkVEM0ZDRkQ0MDg0QUIzOUY0NEIxODg4OTEyMyIsInVzciI6Im1heXRlbXBsYXRlIiwib3JnIjoicHNfZGV2IiwiYXJpIjoiMjYxQkYyQjc5MTk4NDAxRDg5QTc5QzU0NUYxNkNCRUMiLCJvdW4iOiIxIiwiZXhwIjoiMTUxODEwNDg2NCIsImlhdCI6IjE1MTgwOTc2NjQiLCJqdGkiOiJGNTg2QjI4ODA0OEE0MTAwQjc0OUU2MkY0N0RGQzg0NCJ9.yvRGqFy7dL2H6RcqXOJQtD3zBoWHUDpoRN9Ma6hKfpg"}`))
	f.Add(http.MethodOptions, serverimpl.BasePath+opLogin, "", "", "Origin", "http://localhost:3000", []byte(nil))
	f.Add(http.MethodGet, "/healthz", "", "", "", "", []byte(nil))

	clock := serverimpl.NewSettableClock(epoch)
	// Faults off: an injected 500 is a feature, not a finding.
	h, err := serverimpl.NewHandler(serverimpl.Options{Clock: clock, DisableFaults: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, contentType, authorization, name, value string, body []byte) {
		// A minute passes per request: throttling windows close and sessions end, so state
		// stays bounded however long the fuzzer runs.
		clock.Advance(time.Minute)
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://crmauth.test"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request net/http would hand to a handler
		}
		if req.URL.Path == "" || req.URL.Opaque != "" {
			return
		}
		for _, h := range [][2]string{{"Content-Type", contentType}, {"Authorization", authorization}, {name, value}} {
			if h[1] == "" {
				continue
			}
			if !validHeader(h[0], h[1]) {
				return // net/http's server refuses such a header before any handler
			}
			req.Header.Set(h[0], h[1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if err := answerConformance(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("%s %q: %v", method, path, err)
		}
	})
}

// validHeader is what net/http's server accepts as a header field: a token for a name, and a
// value without control characters other than tab.
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	for _, r := range []byte(value) {
		if r < ' ' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}
