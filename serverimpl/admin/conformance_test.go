package admin_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/internal/spectest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// The console's page and assets are text kin-openapi has no decoder for: checked as plain text
// (their media type and status against admin.yaml; their bytes are the console's own tests').
func init() {
	for _, ct := range []string{"text/html", "text/javascript", "text/css", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// upstreamMark is on every answer the test's upstream gives, so the check knows which answers
// are the upstream's (passed on as they are) and which the stub's own.
const upstreamMark = "X-Test-Upstream"

// newUpstream is the test's own upstream: /contacts/list answers JSON, /contacts/create 201
// as text, /slow nothing until the gateway gives up (or the test ends).
func newUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(upstreamMark, "1")
		switch r.URL.Path {
		case "/contacts/list":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{"contacts":[]},"status":{"code":"OK","description":"","message":""}}`)
		case "/contacts/create":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "created")
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-done:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() { close(done); up.Close() })
	return up
}

// conformingStub is the stub as `crmauth serve --upstream` runs it: admin routes, the gateway
// with a short time-out and a small body limit, and forward auth.
type conformingStub struct {
	*serverimpl.Server
	clock *serverimpl.SettableClock
	doc   *openapi3.T
	route routers.Router
}

const (
	gatewayTimeout = 200 * time.Millisecond
	gatewayMaxBody = 1024
)

func startConforming(t *testing.T, upstream string, configure ...func(*serverimpl.Options)) *conformingStub {
	t.Helper()
	clock := serverimpl.NewSettableClock(epoch)
	opts := serverimpl.Options{Clock: clock, Admin: true}
	if upstream != "" {
		u, err := url.Parse(upstream)
		if err != nil {
			t.Fatal(err)
		}
		gw, err := gateway.New(gateway.Config{Upstream: u, ResponseHeaderTimeout: gatewayTimeout, MaxBodyBytes: gatewayMaxBody})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(gw.CloseIdleConnections)
		opts.Extensions = []serverimpl.Extension{gw, gateway.ForwardAuth{}}
	}
	for _, c := range configure {
		c(&opts)
	}
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// admin.yaml as written: the embedded document of gen/admin lacks the operations it
	// does not generate (tags stub, forward-auth, gateway).
	doc, err := openapi3.NewLoader().LoadFromData(adminapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &conformingStub{Server: srv, clock: clock, doc: doc, route: router}
}

// exchange is one request to the stub and its answer, read whole.
type exchange struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

func (e *exchange) code() string {
	var env struct {
		Status struct{ Code string } `json:"status"`
	}
	_ = json.Unmarshal(e.body, &env)
	return env.Status.Code
}

// send sends a request; header pairs follow the body. A body of -1 bytes is sent chunked.
func (s *conformingStub) send(t *testing.T, method, path, body string, headers ...string) *exchange {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "chunked" {
			req.ContentLength, req.Body = -1, io.NopCloser(strings.NewReader(body)) // no Content-Length
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &exchange{req: req, status: resp.StatusCode, header: resp.Header, body: data}
}

// conforms checks that the answer is the one wanted and that admin.yaml describes it: its
// status declared for the operation (only the upstream's own answers may fall to `default`),
// its headers and its body valid. A path admin.yaml does not list is described by
// components/responses/NotFound, a method it does not list for the path by MethodNotAllowed.
func (s *conformingStub) conforms(t *testing.T, what string, e *exchange, status int, code string) {
	t.Helper()
	if e.status != status || e.code() != code {
		t.Errorf("%s: %d %s; want %d %s", what, e.status, e.body, status, code)
		return
	}
	route, params, err := s.findRoute(e.req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound) && status == http.StatusNotFound,
		errors.Is(err, routers.ErrMethodNotAllowed) && status == http.StatusMethodNotAllowed:
		route = &routers.Route{Spec: s.doc, Operation: &openapi3.Operation{Responses: openapi3.NewResponses(
			openapi3.WithStatus(http.StatusNotFound, s.doc.Components.Responses["NotFound"]),
			openapi3.WithStatus(http.StatusMethodNotAllowed, s.doc.Components.Responses["MethodNotAllowed"]),
		)}}
	case err != nil:
		t.Errorf("%s: %s %s is not in admin.yaml: %v", what, e.req.Method, e.req.URL.Path, err)
		return
	}
	if route.Operation.Responses.Status(e.status) == nil && e.header.Get(upstreamMark) == "" {
		t.Errorf("%s: %s %s: admin.yaml does not declare the stub's %d", what, e.req.Method, route.Path, e.status)
	}
	if err := spectest.ValidateAnswer(ctx, e.req, route, params, e.status, e.header, e.body); err != nil {
		t.Errorf("%s: %d answer does not match admin.yaml: %v\n%s", what, e.status, err, e.body)
	}
}

// findRoute routes a request in admin.yaml. Under the base path, admin.yaml's
// /crmapi/rest/v2/{method} stands for every method but the four, whose name may hold '/':
// the rest of the path is routed as that one parameter.
func (s *conformingStub) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	if rest, ok := strings.CutPrefix(req.URL.EscapedPath(), serverimpl.BasePath+"/"); ok {
		r := req.Clone(ctx)
		r.URL = &url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: serverimpl.BasePath + "/" + rest,
			RawPath: serverimpl.BasePath + "/" + url.PathEscape(rest), RawQuery: req.URL.RawQuery}
		route, params, err := s.route.FindRoute(r)
		if err == nil {
			params["method"] = rest
		}
		return route, params, err
	}
	return s.route.FindRoute(req)
}

func (s *conformingStub) token(t *testing.T, method, body string, headers ...string) string {
	t.Helper()
	e := s.send(t, http.MethodPost, serverimpl.BasePath+"/"+method, body, headers...)
	var env struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal(e.body, &env); err != nil || env.Data.Token == "" {
		t.Fatalf("%s: %d %s", method, e.status, e.body)
	}
	return env.Data.Token
}

const (
	loginBody   = `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`
	vendorBasic = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"
	consumerReq = `{"access_token_identifier":{"authentication_code":"p_kestora1!"},"unit":"1"}`
)

func (s *conformingStub) loginToken(t *testing.T) string {
	return s.token(t, "authentication/token", loginBody)
}

func (s *conformingStub) keyToken(t *testing.T) string {
	return s.token(t, "authentication/web_api_key/token", "{}", "Authorization", vendorBasic)
}

func (s *conformingStub) consumerToken(t *testing.T) string {
	return s.token(t, "authentication/consumer_application_key/token", consumerReq, "Authorization", vendorBasic)
}

func (s *conformingStub) release(t *testing.T, token string) {
	t.Helper()
	if e := s.send(t, http.MethodPost, serverimpl.BasePath+"/authentication/token/release", `{"token":"`+token+`"}`); e.status != 200 {
		t.Fatalf("release: %d %s", e.status, e.body)
	}
}

// The stub's answers outside the four methods, as a running stub gives them, against what
// admin.yaml says of them: the health check, the documents, unknown paths, wrong methods,
// forward auth and the gateway (live, missing, expired, released and two tokens; a body over
// the limit; an upstream too slow, and one stopped).
func TestStubAnswersConformToAdminDocument(t *testing.T) {
	up := newUpstream(t)
	s := startConforming(t, up.URL)
	base := serverimpl.BasePath

	// Tokens: one expired (a key token two hours on), then live ones, one of them released.
	expired := s.keyToken(t)
	s.clock.Advance(2*time.Hour + time.Second)
	live, other, consumer, released := s.loginToken(t), s.keyToken(t), s.consumerToken(t), s.loginToken(t)
	s.release(t, released)
	q := func(token string) string { return "?token=" + url.QueryEscape(token) }

	// The stub's own routes.
	s.conforms(t, "health", s.send(t, "GET", "/healthz", ""), 200, "OK")
	for _, path := range []string{"/openapi.yaml", "/openapi.json", "/_crmauth/openapi.yaml"} {
		s.conforms(t, path, s.send(t, "GET", path, ""), 200, "")
	}
	s.conforms(t, "console", s.send(t, "GET", "/_crmauth/ui", ""), 200, "")
	s.conforms(t, "console script", s.send(t, "GET", "/_crmauth/ui/console.js", ""), 200, "")
	s.conforms(t, "console, unknown asset", s.send(t, "GET", "/_crmauth/ui/nope.js", ""), 404, "NOT_FOUND")
	s.conforms(t, "unknown path", s.send(t, "GET", "/nothing/here", ""), 404, "NOT_FOUND")
	s.conforms(t, "unknown admin path", s.send(t, "GET", "/_crmauth/nothing", ""), 404, "NOT_FOUND")
	s.conforms(t, "wrong method, GET route", s.send(t, "DELETE", "/healthz", ""), 405, "METHOD_NOT_ALLOWED")
	s.conforms(t, "wrong method, admin route", s.send(t, "GET", "/_crmauth/reset", ""), 405, "METHOD_NOT_ALLOWED")
	twice := []string{"Authorization", "Bearer a", "Authorization", "Bearer b"}
	for _, r := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/openapi.yaml"}, {"GET", "/openapi.json"}, {"GET", "/_crmauth/openapi.yaml"},
		{"GET", "/_crmauth/clock"}, {"POST", "/_crmauth/reset"}, {"DELETE", "/_crmauth/requests"},
		{"GET", "/_crmauth/coverage"}, {"GET", "/_crmauth/check"}, {"GET", base + "/contacts/list"},
	} {
		s.conforms(t, r.method+" "+r.path+" with Authorization twice", s.send(t, r.method, r.path, "", twice...), 400, "INVALID_REQUEST")
	}

	// Forward auth.
	check := "/_crmauth/check"
	s.conforms(t, "check, live", s.send(t, "GET", check+q(live), ""), 200, "OK")
	s.conforms(t, "check, consumer", s.send(t, "GET", check+q(consumer), ""), 200, "OK")
	s.conforms(t, "check, Bearer", s.send(t, "GET", check, "", "Authorization", "Bearer "+live), 200, "OK")
	s.conforms(t, "check, X-Original-URI", s.send(t, "GET", check, "", "X-Original-URI", "/crmapi/rest/v2/contacts/list"+q(live)), 200, "OK")
	s.conforms(t, "check, X-Forwarded-Uri", s.send(t, "GET", check, "", "X-Forwarded-Uri", "/crmapi/rest/v2/contacts/list"+q(live)), 200, "OK")
	s.conforms(t, "check, body", s.send(t, "POST", check, `{"token":"`+live+`"}`), 200, "OK")
	s.conforms(t, "check, no token", s.send(t, "GET", check, ""), 401, "INVALID_TOKEN")
	s.conforms(t, "check, expired", s.send(t, "GET", check+q(expired), ""), 401, "TOKEN_EXPIRED")
	s.conforms(t, "check, released", s.send(t, "GET", check+q(released), ""), 401, "INVALID_TOKEN")
	s.conforms(t, "check, token not a string", s.send(t, "POST", check, `{"token":5}`), 400, "INVALID_REQUEST")
	s.conforms(t, "check, two tokens", s.send(t, "GET", check+q(live), "", "X-Original-URI", "/x"+q(other)), 400, "INVALID_REQUEST")

	// The gateway.
	list := base + "/contacts/list"
	s.conforms(t, "gateway, live", s.send(t, "GET", list+q(live), ""), 200, "OK")
	s.conforms(t, "gateway, POST live", s.send(t, "POST", base+"/contacts/create", `{"token":"`+live+`"}`), 201, "")
	s.conforms(t, "gateway, no token", s.send(t, "GET", list, ""), 401, "INVALID_TOKEN")
	s.conforms(t, "gateway, expired", s.send(t, "GET", list+q(expired), ""), 401, "TOKEN_EXPIRED")
	s.conforms(t, "gateway, released", s.send(t, "GET", list+q(released), ""), 401, "INVALID_TOKEN")
	s.conforms(t, "gateway, POST released", s.send(t, "POST", list, `{"token":"`+released+`"}`), 401, "INVALID_TOKEN")
	s.conforms(t, "gateway, two tokens", s.send(t, "POST", list+q(other), `{"token":"`+live+`"}`), 400, "INVALID_REQUEST")
	s.conforms(t, "gateway, token not a string", s.send(t, "POST", list, `{"token":["a"]}`), 400, "INVALID_REQUEST")
	s.conforms(t, "gateway, dot segment", s.send(t, "GET", base+"/contacts/%2e%2e/list"+q(live), ""), 400, "INVALID_REQUEST")
	big := `{"token":"` + live + `","note":"` + strings.Repeat("x", gatewayMaxBody) + `"}`
	s.conforms(t, "gateway, body over the limit", s.send(t, "POST", list, big), 413, "PAYLOAD_TOO_LARGE")
	s.conforms(t, "gateway, chunked body over the limit", s.send(t, "POST", list, big, "chunked", ""), 413, "PAYLOAD_TOO_LARGE")
	s.conforms(t, "gateway, GET with a body over the limit", s.send(t, "GET", list+q(live), big), 413, "PAYLOAD_TOO_LARGE")
	s.conforms(t, "gateway, slow upstream", s.send(t, "GET", base+"/slow"+q(live), ""), 504, "GATEWAY_TIMEOUT")
	s.conforms(t, "gateway, GET to one of the four methods", s.send(t, "GET", base+"/authentication/token"+q(live), ""), 405, "METHOD_NOT_ALLOWED")
	up.Close()
	s.conforms(t, "gateway, stopped upstream", s.send(t, "GET", list+q(live), ""), 502, "BAD_GATEWAY")
	s.conforms(t, "gateway, POST to a stopped upstream", s.send(t, "POST", list, `{"token":"`+live+`"}`), 502, "BAD_GATEWAY")
}

// Without an upstream the gateway's paths are unknown paths; with the session store down, the
// health check, forward auth and the gateway answer 503 with Retry-After.
func TestStubAnswersConformWithoutUpstreamAndStoreDown(t *testing.T) {
	secret := func(o *serverimpl.Options) { o.Secret = []byte("conformance-test-signing-secret-0123456789") }
	plain := startConforming(t, "", secret)
	plain.conforms(t, "no upstream", plain.send(t, "GET", serverimpl.BasePath+"/contacts/list", ""), 404, "NOT_FOUND")
	plain.conforms(t, "no upstream, GET to one of the four methods", plain.send(t, "GET", serverimpl.BasePath+"/authentication/token/release", ""), 405, "METHOD_NOT_ALLOWED")
	token := plain.loginToken(t) // valid by its signature on the stub below, which must ask its store

	up := newUpstream(t)
	s := startConforming(t, up.URL, secret, func(o *serverimpl.Options) { o.Sessions = downSessions{} })
	s.conforms(t, "health, store down", s.send(t, "GET", "/healthz", ""), 503, "SERVICE_UNAVAILABLE")
	s.conforms(t, "check, store down", s.send(t, "GET", "/_crmauth/check?token="+token, ""), 503, "SERVICE_UNAVAILABLE")
	s.conforms(t, "gateway, store down", s.send(t, "GET", serverimpl.BasePath+"/contacts/list?token="+token, ""), 503, "SERVICE_UNAVAILABLE")
}
