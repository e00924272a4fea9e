package clientimpl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// EditRequest has the type of every oapi-codegen client's request editor.
var _ gen.RequestEditorFn = (*clientimpl.TokenSource)(nil).EditRequest

// whoamiPath is a method guarded by the stub's exported token check (RequireToken: Bearer or
// the token query parameter), standing in for the other CRM.COM methods called with GET,
// HEAD or DELETE.
const whoamiPath = serverimpl.BasePath + "/test/whoami"

func mountWhoami(s *stub) {
	s.Echo().Match([]string{http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodPost}, whoamiPath, func(c echo.Context) error {
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
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// otherMethods is where the tests mount stand-ins for CRM.COM's methods called with POST, PUT
// or PATCH, which take the token as a member of their JSON body.
const otherMethods = serverimpl.BasePath + "/test/other"

// received is what a body method got.
type received struct {
	body          string
	contentLength int64  // the request's, as the server parsed it
	lengthHeader  string // the Content-Length header as sent
	contentType   string
	user          string // the holder of the body's token, by the stub's CheckToken
}

// mountBodyMethods mounts a method under otherMethods that reads the token from the top-level
// `token` member of its JSON body and checks it with the stub's CheckToken (the stub's
// RequireToken does not read bodies), answering 200 with the holder's username, 401 for a
// refused token and 400 without one. Each request's body is reported on the channel.
func mountBodyMethods(s *stub) <-chan received {
	ch := make(chan received, 10)
	s.Echo().Match([]string{http.MethodPost, http.MethodPut, http.MethodPatch}, otherMethods+"/*", func(c echo.Context) error {
		r := c.Request()
		body, _ := io.ReadAll(r.Body)
		got := received{body: string(body), contentLength: r.ContentLength,
			lengthHeader: r.Header.Get("Content-Length"), contentType: r.Header.Get("Content-Type")}
		defer func() { ch <- got }()
		var members map[string]json.RawMessage
		var token string
		if json.Unmarshal(body, &members) != nil || json.Unmarshal(members["token"], &token) != nil || token == "" {
			return c.String(http.StatusBadRequest, "no token member")
		}
		info, err := s.CheckToken(token)
		if err != nil {
			return c.String(http.StatusUnauthorized, err.Error())
		}
		got.user = info.Username
		return c.String(http.StatusOK, info.Username)
	})
	return ch
}

// plusToken is body (a JSON object with members) with `"token":"<tok>"` as its last member.
func plusToken(body []byte, tok string) string {
	return string(body[:len(body)-1]) + `,"token":"` + tok + `"}`
}

func checkReceived(t *testing.T, got received, want string) {
	t.Helper()
	if got.body != want {
		t.Errorf("the method received\n  %s\nwant\n  %s", got.body, want)
	}
	if got.contentLength != int64(len(want)) || got.lengthHeader != strconv.Itoa(len(want)) {
		t.Errorf("Content-Length %d (header %q) for a body of %d bytes", got.contentLength, got.lengthHeader, len(want))
	}
	if got.user != "jdoe" {
		t.Errorf("the stub's CheckToken did not accept the body's token (user %q)", got.user)
	}
}

// By default the token is CRM.COM's `token` query parameter on GET, HEAD and DELETE — the
// other parameters kept byte for byte, a stale token parameter replaced — and no header; the
// stub's token check accepts it. A refused token is replaced after InvalidateToken.
func TestEditRequestPutsTheTokenInTheQueryByDefault(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	mountWhoami(s)
	src := newSource(t, s, jdoe)
	tok := mustToken(t, src)

	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodDelete} {
		req, _ := http.NewRequest(method, s.URL+whoamiPath+"?b=%20x&token=stale&a=1&token=older", nil)
		if err := src.EditRequest(context.Background(), req); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if want := "b=%20x&a=1&token=" + tok.Value; req.URL.RawQuery != want {
			t.Errorf("%s: query %q, want %q", method, req.URL.RawQuery, want)
		}
		if h := req.Header.Get("Authorization"); h != "" {
			t.Errorf("%s: Authorization %q; CRM.COM documents no header", method, h)
		}
		if status, body := send(t, req); status != http.StatusOK || (method != http.MethodHead && body != "jdoe") {
			t.Errorf("%s whoami: %d %q, want 200 jdoe", method, status, body)
		}
	}

	// Another party releases the token: the method refuses it, the caller invalidates it, and
	// the next request carries a new one.
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

// By default a generated client's POST gets the token as the last member of the JSON body it
// built; a token member already there gets the token as its value instead; Content-Length
// follows; the method reads it from the body and the stub accepts it.
func TestEditRequestPutsTheTokenInTheJSONBodyOfAGeneratedClient(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	got := mountBodyMethods(s)
	src := newSource(t, s, jdoe)
	tok := mustToken(t, src)
	ctx := context.Background()
	// The generated client of this module's spec, pointed at the stand-in methods: it builds
	// each body and then calls its editors, as any oapi-codegen client of a CRM.COM method does.
	api, err := gen.NewClient(s.URL+otherMethods, gen.WithRequestEditorFn(src.EditRequest))
	if err != nil {
		t.Fatal(err)
	}

	unit := "1"
	webBody := gen.WebApiKeyTokenRequest{Unit: &unit}
	resp, err := api.GetWebApiKeyToken(ctx, webBody)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	orig, _ := json.Marshal(webBody)
	checkReceived(t, within(t, got, "the POST"), plusToken(orig, tok.Value))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}

	// A body with a token member of its own: replaced, not doubled.
	resp, err = api.ReleaseToken(ctx, gen.ReleaseTokenRequest{Token: "stale-token-from-the-caller"})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkReceived(t, within(t, got, "the POST with a token member"), `{"token":"`+tok.Value+`"}`)

	// PUT and PATCH too, other bytes kept as sent (white space, order, escapes); an empty POST
	// becomes {"token":…} in application/json.
	for _, tc := range []struct{ method, contentType, body, want string }{
		{http.MethodPut, "application/json; charset=utf-8", `{ "b" : [1, 2],  "a":"\u00e9" }`,
			`{ "b" : [1, 2],  "a":"\u00e9","token":"` + tok.Value + `" }`},
		{http.MethodPatch, "application/merge-patch+json", `{"name":{"first":"Ann","token":"nested, not ours"}}`,
			`{"name":{"first":"Ann","token":"nested, not ours"},"token":"` + tok.Value + `"}`},
		{http.MethodPatch, "application/json", `{"a":1,"\u0074oken":"escaped name, same member","z":2}`,
			`{"a":1,"\u0074oken":"` + tok.Value + `","z":2}`},
		{http.MethodPost, "application/json", `{}`, `{"token":"` + tok.Value + `"}`},
		{http.MethodPost, "", "", `{"token":"` + tok.Value + `"}`},
	} {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req, _ := http.NewRequest(tc.method, s.URL+otherMethods+"/contacts", body)
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		if err := src.EditRequest(ctx, req); err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.body, err)
		}
		if status, answer := send(t, req); status != http.StatusOK {
			t.Errorf("%s %s: %d %s", tc.method, tc.body, status, answer)
		}
		r := within(t, got, tc.method)
		checkReceived(t, r, tc.want)
		if want := tc.contentType; want == "" && r.contentType != "application/json" || want != "" && r.contentType != want {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.body, r.contentType)
		}
	}
}

// net/http sends the edited body again when it follows a redirect (GetBody), with the token.
func TestEditRequestBodySurvivesARedirect(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	got := mountBodyMethods(s)
	moved := serverimpl.BasePath + "/test/moved"
	s.Echo().POST(moved, func(c echo.Context) error {
		io.Copy(io.Discard, c.Request().Body)
		return c.Redirect(http.StatusPermanentRedirect, otherMethods+"/contacts")
	})
	src := newSource(t, s, jdoe)
	tok := mustToken(t, src)

	orig := []byte(`{"contact":{"name":"Ann"}}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+moved, bytes.NewReader(orig))
	req.Header.Set("Content-Type", "application/json")
	if err := src.EditRequest(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if status, body := send(t, req); status != http.StatusOK {
		t.Fatalf("after the redirect: %d %s", status, body)
	}
	checkReceived(t, within(t, got, "the redirected POST"), plusToken(orig, tok.Value))
	if n := s.count(moved); n != 1 {
		t.Errorf("%d requests to the old address, want 1", n)
	}
}

// A body that cannot take a token member is an error from the editor — the generated client
// returns it and sends nothing — never a request without the token. The error quotes neither
// the body nor the token, and the body is left readable.
func TestEditRequestRefusesBodiesThatAreNotAJSONObject(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	mountBodyMethods(s)
	src := newSource(t, s, jdoe)
	tok := mustToken(t, src)
	ctx := context.Background()

	for name, tc := range map[string]struct{ contentType, body string }{
		"array":              {"application/json", `[{"password":"s3cret-Passw0rd"}]`},
		"string":             {"application/json", `"s3cret-Passw0rd"`},
		"number":             {"application/json", `42`},
		"null":               {"application/json", `null`},
		"invalid JSON":       {"application/json", `{"password":"s3cret-Passw0rd"`},
		"duplicate name":     {"application/json", `{"password":"s3cret-Passw0rd","password":"s3cret-Passw0rd"}`},
		"two token members":  {"application/json", `{"token":"a","token":"s3cret-Passw0rd"}`},
		"trailing data":      {"application/json", `{"password":"x"} {"s3cret-Passw0rd":1}`},
		"not UTF-8":          {"application/json", "{\"password\":\"s3cret-Passw0rd\xff\"}"},
		"form":               {"application/x-www-form-urlencoded", `password=s3cret-Passw0rd`},
		"JSON sent as text":  {"text/plain", `{"password":"s3cret-Passw0rd"}`},
		"no content type":    {"", `{"password":"s3cret-Passw0rd"}`},
		"empty but not JSON": {"text/plain", ``},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+otherMethods+"/contacts", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			err := src.EditRequest(ctx, req)
			if !errors.Is(err, clientimpl.ErrTokenPlacement) {
				t.Fatalf("err = %v, want ErrTokenPlacement", err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), tok.Value) {
				t.Errorf("the error quotes the body or the token: %v", err)
			}
			if tc.body != "" {
				if b, _ := io.ReadAll(req.Body); string(b) != tc.body {
					t.Errorf("the body is now %q", b)
				}
			}
		})
	}

	api, err := gen.NewClient(s.URL+otherMethods, gen.WithRequestEditorFn(src.EditRequest))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.LoginWithBody(ctx, "application/json", strings.NewReader(`["not","an","object"]`)); !errors.Is(err, clientimpl.ErrTokenPlacement) {
		t.Errorf("the generated client: err = %v, want ErrTokenPlacement", err)
	}
	if n := s.count(otherMethods + "/authentication/token"); n != 0 {
		t.Errorf("%d requests sent with a body the token could not go in", n)
	}
}

// WithTokenPlacement keeps the other choices: Bearer on every method (the body untouched), the
// query parameter on every method, and a placement with no place for a request is an error.
func TestEditRequestOtherPlacements(t *testing.T) {
	s := startStub(t, serverimpl.Options{})
	mountWhoami(s)
	ctx := context.Background()
	post := func(t *testing.T, src *clientimpl.TokenSource) *http.Request {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+whoamiPath+"?other=1", strings.NewReader(`{"a":1}`))
		req.Header.Set("Content-Type", "application/json")
		if err := src.EditRequest(ctx, req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	body := func(req *http.Request) string { b, _ := io.ReadAll(req.Body); return string(b) }

	t.Run("Bearer", func(t *testing.T) {
		src := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.BearerTokenPlacement))
		tok := mustToken(t, src)
		if status, _ := callWhoami(t, s, src.EditRequest); status != http.StatusOK {
			t.Fatalf("GET with Bearer: %d", status)
		}
		req := post(t, src)
		if req.Header.Get("Authorization") != "Bearer "+tok.Value || req.URL.RawQuery != "other=1" {
			t.Errorf("POST: Authorization %q, query %q", req.Header.Get("Authorization"), req.URL.RawQuery)
		}
		if status, _ := send(t, req); status != http.StatusOK {
			t.Errorf("POST with Bearer: %d", status)
		}
		req = post(t, src)
		if b := body(req); b != `{"a":1}` {
			t.Errorf("POST body %q, want it untouched", b)
		}
	})
	t.Run("query on every method", func(t *testing.T) {
		src := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{QueryParameter: "token"}))
		tok := mustToken(t, src)
		req := post(t, src)
		if req.URL.RawQuery != "other=1&token="+tok.Value || req.Header.Get("Authorization") != "" {
			t.Errorf("POST: query %q, Authorization %q", req.URL.RawQuery, req.Header.Get("Authorization"))
		}
		if status, _ := send(t, req); status != http.StatusOK {
			t.Errorf("POST with ?token=: %d", status)
		}
		if b := body(post(t, src)); b != `{"a":1}` {
			t.Errorf("POST body %q, want it untouched", b)
		}
	})
	t.Run("a bare token in Authorization is not what the stub reads", func(t *testing.T) {
		bare := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{Header: "Authorization"}))
		if status, _ := callWhoami(t, s, bare.EditRequest); status != http.StatusUnauthorized {
			t.Fatalf("bare Authorization header: %d, want 401 from the stub", status)
		}
	})
	t.Run("no place for a GET", func(t *testing.T) {
		src := newSource(t, s, webAPIKey, clientimpl.WithTokenPlacement(clientimpl.TokenPlacement{BodyMember: "token"}))
		req, _ := http.NewRequest(http.MethodGet, s.URL+whoamiPath, nil)
		if err := src.EditRequest(ctx, req); !errors.Is(err, clientimpl.ErrTokenPlacement) {
			t.Errorf("GET with only a body member: err = %v", err)
		}
		if req.URL.RawQuery != "" || len(req.Header) != 0 {
			t.Errorf("the refused request was edited: %s %v", req.URL, req.Header)
		}
	})
	for name, p := range map[string]clientimpl.TokenPlacement{"empty": {}, "scheme without header": {Scheme: "Bearer", QueryParameter: "token"}} {
		if _, err := clientimpl.NewTokenSource(&clientimpl.Client{}, webAPIKey, clientimpl.WithTokenPlacement(p)); err == nil {
			t.Errorf("placement %s was accepted", name)
		}
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
	if req.Header.Get("Authorization") != "" || req.URL.RawQuery != "" {
		t.Error("a closed source put a token on the request")
	}
}
