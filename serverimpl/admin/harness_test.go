package admin_test

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

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/crmcom-community/crmauth/gen"
	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/internal/spectest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// The default fixtures' values.
const (
	vendorKey    = "EE73C0AE64524371B5DDEFF5F7BB2192"
	vendorCode   = "p_kestora1!"
	userName     = "jdoe"
	userPassword = "s3cret-Passw0rd"
	organisation = "ps_dev"
)

var (
	epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ctx   = context.Background()
)

// stub is the real stub on loopback with a settable clock, a generated CRM.COM client, and the
// generated admin client whose every answer is validated against admin.yaml.
type stub struct {
	*serverimpl.Server
	clock *serverimpl.SettableClock
	crm   *gen.ClientWithResponses
	admin *adminapi.ClientWithResponses
	http  *http.Client // validated too
}

func startStub(t *testing.T, configure ...func(*serverimpl.Options)) *stub {
	t.Helper()
	clock := serverimpl.NewSettableClock(epoch)
	opts := serverimpl.Options{Clock: clock, Admin: true}
	for _, c := range configure {
		c(&opts)
	}
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	crm, err := gen.NewClientWithResponses(srv.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &adminCheck{t: t, router: adminRouter(t)}, Timeout: 30 * time.Second}
	admin, err := adminapi.NewClientWithResponses(srv.URL, adminapi.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return &stub{Server: srv, clock: clock, crm: crm, admin: admin, http: hc}
}

func adminRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := adminapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// adminCheck is a RoundTripper validating every answer against admin.yaml
// (openapi3filter.ValidateResponse, undeclared statuses included).
type adminCheck struct {
	t      *testing.T
	router routers.Router
}

func (s *adminCheck) RoundTrip(req *http.Request) (*http.Response, error) {
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
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		s.t.Errorf("%s %s: not a route of admin.yaml: %v", req.Method, req.URL, err)
		return resp, nil
	}
	if err := spectest.ValidateAnswer(ctx, req, route, params, resp.StatusCode, resp.Header, body); err != nil {
		s.t.Errorf("%s %s: %d answer does not match admin.yaml: %v\n%s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	return resp, nil
}

func basic(key string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
		return nil
	}
}

func header(name, value string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set(name, value)
		return nil
	}
}

func (s *stub) login(t *testing.T, username, password string) (token string, status int) {
	t.Helper()
	resp, err := s.crm.LoginWithResponse(ctx, gen.LoginJSONRequestBody{Username: username, Password: password, Organisation: organisation})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 != nil {
		return resp.JSON200.Data.Token, 200
	}
	return "", resp.StatusCode()
}

func (s *stub) keyToken(t *testing.T) string {
	t.Helper()
	resp, err := s.crm.GetWebApiKeyTokenWithResponse(ctx, gen.GetWebApiKeyTokenJSONRequestBody{}, basic(vendorKey))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("web API key token: %v %s", err, resp.Body)
	}
	return resp.JSON200.Data.Token
}

func (s *stub) consumerToken(t *testing.T, id gen.AccessTokenIdentifier, editors ...gen.RequestEditorFn) (string, int) {
	t.Helper()
	resp, err := s.crm.GetConsumerApplicationKeyTokenWithResponse(ctx,
		gen.GetConsumerApplicationKeyTokenJSONRequestBody{AccessTokenIdentifier: id}, append([]gen.RequestEditorFn{basic(vendorKey)}, editors...)...)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 != nil {
		return resp.JSON200.Data.Token, 200
	}
	return "", resp.StatusCode()
}

// release releases token and returns the HTTP status and status.code.
func (s *stub) release(t *testing.T, token string) (int, string) {
	t.Helper()
	resp, err := s.crm.ReleaseTokenWithResponse(ctx, gen.ReleaseTokenJSONRequestBody{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Status struct{ Code, Message string }
	}
	_ = json.Unmarshal(resp.Body, &env)
	return resp.StatusCode(), env.Status.Code
}

// jti is a token's session ID, read from its payload.
func jti(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Jti string `json:"jti"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c.Jti
}

func ptr[T any](v T) *T { return &v }
