package serverimpl_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

func TestTokenFromRequest(t *testing.T) {
	big := `{"token":"A","pad":"` + strings.Repeat("x", serverimpl.MaxTokenBodyBytes) + `"}`
	cases := []struct {
		name, method, target, contentType, body string
		headers                                 []string
		token                                   string
		code                                    gen.ErrorCode
	}{
		{"query", "GET", "/m?token=A", "", "", nil, "A", ""},
		{"body member", "POST", "/m", "application/json", `{"id":1,"token":"A"}`, nil, "A", ""},
		{"+json body", "POST", "/m", "application/vnd.crm+json; charset=utf-8", `{"token":"A"}`, nil, "A", ""},
		{"escaped member name", "POST", "/m", "application/json", `{"tok\u0065n":"A"}`, nil, "A", ""},
		{"nested member is not the token", "POST", "/m", "application/json", `{"x":{"token":"A"}}`, nil, "", gen.ErrorCodeInvalidToken},
		{"bearer", "GET", "/m", "", "", []string{"Authorization", "Bearer A"}, "A", ""},
		{"bearer, any case", "GET", "/m", "", "", []string{"Authorization", "bearer A"}, "A", ""},
		{"basic is not a token", "GET", "/m", "", "", []string{"Authorization", "Basic QTo="}, "", gen.ErrorCodeInvalidToken},
		{"same token thrice", "POST", "/m?token=A", "application/json", `{"token":"A"}`, []string{"Authorization", "Bearer A"}, "A", ""},
		{"query and body differ", "POST", "/m?token=A", "application/json", `{"token":"B"}`, nil, "", gen.ErrorCodeInvalidRequest},
		{"body and bearer differ", "POST", "/m", "application/json", `{"token":"A"}`, []string{"Authorization", "Bearer B"}, "", gen.ErrorCodeInvalidRequest},
		{"two query parameters differ", "GET", "/m?token=A&token=B", "", "", nil, "", gen.ErrorCodeInvalidRequest},
		{"two members differ", "POST", "/m", "application/json", `{"token":"A","token":"B"}`, nil, "", gen.ErrorCodeInvalidRequest},
		{"two bearer headers differ", "GET", "/m", "", "", []string{"Authorization", "Bearer A", "Authorization", "Bearer B"}, "", gen.ErrorCodeInvalidRequest},
		{"member not a string", "POST", "/m", "application/json", `{"token":42}`, nil, "", gen.ErrorCodeInvalidRequest},
		{"text body is not read", "POST", "/m", "text/plain", `{"token":"A"}`, nil, "", gen.ErrorCodeInvalidToken},
		{"malformed JSON carries none", "POST", "/m", "application/json", `{"token":"A",}`, nil, "", gen.ErrorCodeInvalidToken},
		{"array body carries none", "POST", "/m", "application/json", `[{"token":"A"}]`, nil, "", gen.ErrorCodeInvalidToken},
		{"empty values are absent", "POST", "/m?token=", "application/json", `{"token":""}`, []string{"Authorization", "Bearer "}, "", gen.ErrorCodeInvalidToken},
		{"nothing", "GET", "/m", "", "", nil, "", gen.ErrorCodeInvalidToken},
		{"JSON body over the bound", "POST", "/m", "application/json", big, nil, "", gen.ErrorCodePayloadTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.contentType != "" {
				r.Header.Set("Content-Type", c.contentType)
			}
			for i := 0; i+1 < len(c.headers); i += 2 {
				r.Header.Add(c.headers[i], c.headers[i+1])
			}
			token, err := serverimpl.TokenFromRequest(r)
			var te *serverimpl.TokenError
			switch {
			case c.code == "" && (err != nil || token != c.token):
				t.Fatalf("got %q, %v; want %q", token, err, c.token)
			case c.code != "" && (!errors.As(err, &te) || te.Code != c.code):
				t.Fatalf("got %q, %v; want %s", token, err, c.code)
			}
			if c.code == gen.ErrorCodeInvalidToken && !strings.Contains(te.Message, "no token was given") {
				t.Errorf("message %q does not say no token was given", te.Message)
			}
			if te != nil && te.HTTPStatus() != map[gen.ErrorCode]int{gen.ErrorCodeInvalidToken: 401, gen.ErrorCodeInvalidRequest: 400, gen.ErrorCodePayloadTooLarge: 413}[c.code] {
				t.Errorf("HTTP status %d for %s", te.HTTPStatus(), c.code)
			}
			if c.code != gen.ErrorCodePayloadTooLarge { // the next handler reads the same body
				rest, _ := io.ReadAll(r.Body)
				if !bytes.Equal(rest, []byte(c.body)) {
					t.Errorf("body left for the next handler %q, want %q", rest, c.body)
				}
			}
		})
	}
}

// RequireTokenHandler is the same check for net/http: the token from the body, the body left
// whole, the token info in the context, a refusal in the envelope with its challenge.
func TestRequireTokenHandler(t *testing.T) {
	s := startStub(t)
	var gotBody string
	var gotInfo serverimpl.TokenInfo
	h := s.RequireTokenHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		gotInfo, _ = serverimpl.TokenInfoFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	token := s.loginToken(t)
	body := `{"token": "` + token + `", "x": 1}`
	r := httptest.NewRequest("POST", "/anything", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 || gotBody != body || gotInfo.Username != userName || gotInfo.Organisation != userOrganisation {
		t.Fatalf("accepted: %d, body %q, info %+v", w.Code, gotBody, gotInfo)
	}

	s.clock.Advance(61 * time.Minute)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/anything?token="+token, nil))
	expectFailure(t, w.Code, w.Body.Bytes(), 401, gen.ErrorCodeTokenExpired, "expired")
	if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="crmauth", error="invalid_token"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/anything", nil))
	expectFailure(t, w.Code, w.Body.Bytes(), 401, gen.ErrorCodeInvalidToken, "no token was given")
}

// With LoginExpiryFixed a login token ends LoginTokenLifetime after issue however often it is
// used (R12 on); the default, idle, keeps it alive while used.
func TestLoginExpiryFixed(t *testing.T) {
	for _, mode := range []serverimpl.LoginExpiry{serverimpl.LoginExpiryFixed, serverimpl.LoginExpiryIdle} {
		t.Run(string(mode), func(t *testing.T) {
			s := startStub(t, func(o *serverimpl.Options) { o.LoginExpiry = mode })
			token := s.loginToken(t)
			for range 2 {
				s.clock.Advance(50 * time.Minute)
				if _, err := s.CheckToken(token); err != nil {
					t.Fatalf("at %s: %v", s.clock.Now().Sub(epoch), err)
				}
			}
			s.clock.Advance(21 * time.Minute) // 2h01m after issue, 21 minutes after the last use
			_, err := s.CheckToken(token)
			var te *serverimpl.TokenError
			if mode == serverimpl.LoginExpiryFixed && (!errors.As(err, &te) || te.Code != gen.ErrorCodeTokenExpired) {
				t.Fatalf("fixed: 2h01m after issue: %v, want TOKEN_EXPIRED", err)
			}
			if mode == serverimpl.LoginExpiryIdle && err != nil {
				t.Fatalf("idle: used 21 minutes ago: %v", err)
			}
		})
	}
	if _, err := serverimpl.New(serverimpl.Options{LoginExpiry: "sliding"}); err == nil {
		t.Error("LoginExpiry \"sliding\" accepted")
	}
}
