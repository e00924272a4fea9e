package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// The default fixtures' credentials (README).
const (
	loginBody   = `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`
	vendorBasic = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"
	consumerReq = `{"access_token_identifier":{"authentication_code":"p_kestora1!"},"unit":"1"}`
)

// unavailable skips outside CI and fails in CI (.ci/run installs every outside part).
func unavailable(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// gatewayStub is the stub on a free port with a settable clock, the gateway to upstream and
// forward auth.
type gatewayStub struct {
	*serverimpl.Server
	clock *serverimpl.SettableClock
}

func startGateway(t *testing.T, upstream string, configure ...func(*gateway.Config, *serverimpl.Options)) *gatewayStub {
	t.Helper()
	clock := serverimpl.NewSettableClock(epoch)
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := gateway.Config{Upstream: u}
	opts := serverimpl.Options{Clock: clock}
	for _, c := range configure {
		c(&cfg, &opts)
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.Extensions = append(opts.Extensions, gw, gateway.ForwardAuth{})
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Cleanup(gw.CloseIdleConnections)
	return &gatewayStub{Server: srv, clock: clock}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   string
	code   string // the envelope's status.code, when there is one
}

func call(t *testing.T, method, url, contentType, body string, headers ...string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(data)}
	var env struct {
		Status struct{ Code string } `json:"status"`
	}
	if json.Unmarshal(data, &env) == nil {
		a.code = env.Status.Code
	}
	return a
}

func (s *gatewayStub) token(t *testing.T, method, body string, headers ...string) string {
	t.Helper()
	a := call(t, http.MethodPost, s.BaseURL+"/"+method, "application/json", body, headers...)
	var env struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal([]byte(a.body), &env); err != nil || env.Data.Token == "" {
		t.Fatalf("%s: %d %s", method, a.status, a.body)
	}
	return env.Data.Token
}

func (s *gatewayStub) loginToken(t *testing.T) string {
	return s.token(t, "authentication/token", loginBody)
}

func (s *gatewayStub) keyToken(t *testing.T) string {
	return s.token(t, "authentication/web_api_key/token", "{}", "Authorization", vendorBasic)
}

func (s *gatewayStub) consumerToken(t *testing.T) string {
	return s.token(t, "authentication/consumer_application_key/token", consumerReq, "Authorization", vendorBasic)
}

func (s *gatewayStub) release(t *testing.T, token string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token})
	if a := call(t, http.MethodPost, s.BaseURL+"/authentication/token/release", "application/json", string(body)); a.status != 200 {
		t.Fatalf("release: %d %s", a.status, a.body)
	}
}

func expect(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code != code {
		t.Errorf("%s: %d %s; want %d %s", what, a.status, a.body, status, code)
	}
}
