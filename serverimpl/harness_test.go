package serverimpl_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/spectest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// The default fixtures' values, as the README and the vendor's documentation give them.
const (
	vendorKey        = "EE73C0AE64524371B5DDEFF5F7BB2192"
	vendorBasic      = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"
	vendorCode       = "p_kestora1!"
	cardIdentifier   = "maytemplate-card-0001"
	cardPassCode     = "4321"
	userName         = "jdoe"
	userPassword     = "s3cret-Passw0rd"
	userOrganisation = "ps_dev"
	vendorContact    = "2695FED3FCFD4084AB39F44B18889123"
	vendorReceivable = "261BF2B79198401D89A79C545F16CBEC"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stub is a running stub with a settable clock, a generated client whose every answer is
// validated against the spec, and a plain HTTP client doing the same for hand-made requests.
type stub struct {
	*serverimpl.Server
	clock  *serverimpl.SettableClock
	client *gen.ClientWithResponses
	http   *http.Client
}

func startStub(t *testing.T, configure ...func(*serverimpl.Options)) *stub {
	t.Helper()
	clock := serverimpl.NewSettableClock(epoch)
	opts := serverimpl.Options{Clock: clock}
	for _, c := range configure {
		c(&opts)
	}
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if c, ok := opts.Clock.(*serverimpl.SettableClock); ok {
		clock = c
	}
	hc := &http.Client{Transport: &specCheck{t: t, router: specRouter(t)}, Timeout: 30 * time.Second}
	client, err := gen.NewClientWithResponses(srv.BaseURL, gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return &stub{Server: srv, clock: clock, client: client, http: hc}
}

func specRouter(t *testing.T) routers.Router {
	t.Helper()
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// specCheck is a RoundTripper that validates every answer of a CRM.COM method against the
// spec (openapi3filter.ValidateResponse, undeclared statuses included), and every other
// answer under the base path against the error envelope.
type specCheck struct {
	t      *testing.T
	router routers.Router
}

var errorEnvelope = func() *openapi3.Schema {
	spec, err := gen.GetSpec()
	if err != nil {
		panic(err)
	}
	return spec.Components.Schemas["ErrorResponse"].Value
}()

func (s *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !strings.HasPrefix(req.URL.Path, serverimpl.BasePath) || req.Method == http.MethodOptions {
		return resp, nil
	}
	route, params, ferr := s.router.FindRoute(req)
	if ferr != nil {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			s.t.Errorf("%s %s: %d answer is not JSON: %q", req.Method, req.URL.Path, resp.StatusCode, body)
		} else if err := errorEnvelope.VisitJSON(v); err != nil {
			s.t.Errorf("%s %s: %d answer is not the error envelope: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, body)
		}
		return resp, nil
	}
	if err := spectest.ValidateAnswer(context.Background(), req, route, params, resp.StatusCode, resp.Header, body); err != nil {
		s.t.Errorf("%s %s: %d answer does not match the spec: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	return resp, nil
}

// basic is a request editor sending the key as the HTTP Basic username.
func basic(key string) gen.RequestEditorFn {
	return header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
}

func header(name, value string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set(name, value)
		return nil
	}
}

func ptr[T any](v T) *T { return &v }

func (s *stub) login(t *testing.T, unit *string) *gen.LoginResponse {
	t.Helper()
	resp, err := s.client.LoginWithResponse(context.Background(), gen.LoginRequest{
		Username: userName, Password: userPassword, Organisation: userOrganisation, Unit: unit,
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (s *stub) loginToken(t *testing.T) string {
	t.Helper()
	resp := s.login(t, nil)
	if resp.JSON200 == nil {
		t.Fatalf("login: %d %s", resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Data.Token
}

func (s *stub) webAPIKeyToken(t *testing.T) string {
	t.Helper()
	resp, err := s.client.GetWebApiKeyTokenWithResponse(context.Background(), gen.WebApiKeyTokenRequest{}, basic(vendorKey))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("web API key token: %d %s", resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Data.Token
}

func (s *stub) consumerToken(t *testing.T) string {
	t.Helper()
	resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(context.Background(), gen.ConsumerApplicationKeyTokenRequest{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode)},
	}, basic(vendorKey))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("consumer token: %d %s", resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Data.Token
}

func (s *stub) release(t *testing.T, token string) *gen.ReleaseTokenResponse {
	t.Helper()
	resp, err := s.client.ReleaseTokenWithResponse(context.Background(), gen.ReleaseTokenRequest{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// post sends a hand-made request to a path under the base path.
func (s *stub) post(t *testing.T, path, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return s.do(t, http.MethodPost, serverimpl.BasePath+path, contentType, body, headers...)
}

func (s *stub) do(t *testing.T, method, path, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// envelope is an answer's status member.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Status struct {
		Code        string `json:"code"`
		Description string `json:"description"`
		Message     string `json:"message"`
	} `json:"status"`
}

func decodeEnvelope(t *testing.T, body []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("answer is not the envelope: %v: %s", err, body)
	}
	return e
}

// expectFailure checks an answer's HTTP status, status.code and that message contains want.
func expectFailure(t *testing.T, status int, body []byte, wantStatus int, wantCode gen.ErrorCode, wantMessage string) {
	t.Helper()
	e := decodeEnvelope(t, body)
	if status != wantStatus || e.Status.Code != string(wantCode) {
		t.Fatalf("got %d %s, want %d %s: %s", status, e.Status.Code, wantStatus, wantCode, body)
	}
	if !strings.Contains(e.Status.Message, wantMessage) {
		t.Fatalf("message %q does not say %q", e.Status.Message, wantMessage)
	}
	if e.Status.Description == "" {
		t.Fatalf("description is empty: %s", body)
	}
	if string(e.Data) != "null" {
		t.Fatalf("data is %s, want null", e.Data)
	}
}

// tokenParts decodes a token's header and claims without checking the signature.
func tokenParts(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	decode := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return decode(parts[0]), decode(parts[1])
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// decodeToken takes the token out of a TokenResponse body.
func decodeToken(t *testing.T, body []byte) string {
	t.Helper()
	var r gen.TokenResponse
	if err := json.Unmarshal(body, &r); err != nil || r.Data.Token == "" {
		t.Fatalf("no token in %s (%v)", body, err)
	}
	return r.Data.Token
}
