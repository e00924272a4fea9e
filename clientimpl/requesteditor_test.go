package clientimpl_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// EditRequest has the type of every oapi-codegen client's request editor.
var _ gen.RequestEditorFn = (*clientimpl.TokenSource)(nil).EditRequest

// whoamiPath is a method guarded by the stub's exported token check, standing in for the other
// CRM.COM methods a service calls with its token.
const whoamiPath = serverimpl.BasePath + "/test/whoami"

func mountWhoami(s *stub) {
	s.Echo().GET(whoamiPath, func(c echo.Context) error {
		info, _ := serverimpl.TokenInfoFrom(c.Request().Context())
		return c.String(http.StatusOK, info.Username)
	}, s.RequireToken())
}

// callWhoami sends a request edited by edit, the way a generated client applies its editors.
func callWhoami(t *testing.T, s *stub, edit gen.RequestEditorFn) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+whoamiPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := edit(context.Background(), req); err != nil {
		t.Fatalf("EditRequest: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// The default placement is what the stub's token check accepts, and a refused token is
// replaced after InvalidateToken.
func TestEditRequestPutsTheTokenWhereTheStubChecksIt(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	mountWhoami(s)
	src := newSource(t, s, jdoe)

	if status, body := callWhoami(t, s, src.EditRequest); status != http.StatusOK || body != "jdoe" {
		t.Fatalf("whoami: %d %q, want 200 jdoe", status, body)
	}

	// Another party releases the token: the method refuses it, the caller invalidates it, and
	// the next request carries a new one.
	tok := mustToken(t, src)
	c, _ := s.client(t)
	if err := c.ReleaseToken(context.Background(), tok.Value); err != nil {
		t.Fatal(err)
	}
	if status, _ := callWhoami(t, s, src.EditRequest); status != http.StatusUnauthorized {
		t.Fatalf("released token: status %d, want 401", status)
	}
	src.InvalidateToken(tok.Value)
	if status, body := callWhoami(t, s, src.EditRequest); status != http.StatusOK || body != "jdoe" {
		t.Fatalf("after InvalidateToken: %d %q", status, body)
	}
	if n := s.count(pathLogin); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

func TestEditRequestQueryParameterPlacement(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	mountWhoami(s)
	src := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{QueryParameter: "token"}))
	req, _ := http.NewRequest(http.MethodGet, s.URL+whoamiPath+"?other=1", nil)
	if err := src.EditRequest(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != "" || req.URL.Query().Get("other") != "1" || req.URL.Query().Get("token") == "" {
		t.Fatalf("edited URL %s, header %q", req.URL, req.Header.Get("Authorization"))
	}
	if status, _ := callWhoami(t, s, src.EditRequest); status != http.StatusOK {
		t.Fatalf("whoami with ?token=: %d", status)
	}

	// A placement the stub does not read (a bare token in Authorization) is refused there: the
	// placement is what decides.
	bare := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{Header: "Authorization"}))
	if status, _ := callWhoami(t, s, bare.EditRequest); status != http.StatusUnauthorized {
		t.Fatalf("bare Authorization header: %d, want 401 from the stub", status)
	}
	if _, err := clientimpl.NewTokenSource(&clientimpl.Client{}, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{})); err == nil {
		t.Error("an empty placement was accepted")
	}
}

func TestEditRequestFailsWithTheSource(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	src := newSource(t, s, webAPIKey)
	src.Close(context.Background())
	req, _ := http.NewRequest(http.MethodGet, s.URL+whoamiPath, nil)
	if err := src.EditRequest(context.Background(), req); !errors.Is(err, clientimpl.ErrClosed) {
		t.Fatalf("EditRequest on a closed source: %v", err)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("a closed source put a token on the request")
	}
}
