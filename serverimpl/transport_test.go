package serverimpl_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestTransport: the stub answers through Stub.Transport as it does over a connection: a
// login with the generated client, a query parameter reaching RequireToken, the request body
// closed, a cancelled request refused.
func TestTransport(t *testing.T) {
	stub, err := serverimpl.New(serverimpl.Options{Extensions: []serverimpl.Extension{serverimpl.Routes(func(e *echo.Echo, s *serverimpl.Stub) {
		e.GET("/whoami", func(c echo.Context) error {
			info, _ := serverimpl.TokenInfoFrom(c.Request().Context())
			return c.String(http.StatusOK, info.Username)
		}, s.RequireToken())
	})}})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: stub.Transport()}
	client, err := gen.NewClientWithResponses("http://stub.invalid"+serverimpl.BasePath, gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.LoginWithResponse(context.Background(), gen.LoginRequest{
		Username: serverimpl.DefaultUsername, Password: serverimpl.DefaultPassword, Organisation: serverimpl.DefaultOrganisation})
	if err != nil || resp.JSON200 == nil || resp.HTTPResponse.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("login: %v %s", err, resp.Body)
	}
	token := resp.JSON200.Data.Token

	body := &closeRecorder{Reader: strings.NewReader("")}
	req, _ := http.NewRequest(http.MethodGet, "http://stub.invalid/whoami?token="+token, body)
	got, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	who, _ := io.ReadAll(got.Body)
	if got.StatusCode != http.StatusOK || string(who) != serverimpl.DefaultUsername {
		t.Fatalf("token as a query parameter: %d %s", got.StatusCode, who)
	}
	if !body.closed {
		t.Error("the request body was not closed")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://stub.invalid/healthz", nil)
	if _, err := hc.Do(req); err == nil {
		t.Error("a cancelled request was served")
	}
}
