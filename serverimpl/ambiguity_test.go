package serverimpl_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// rawRequest sends a request as given, headers repeated as listed, past the spec check (the
// answers here are to requests no client of the spec makes).
func rawRequest(t *testing.T, method, url, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
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
	return resp.StatusCode, data
}

// TestTwoAuthorizationHeadersAreRefused: Authorization holds one set of credentials (it is
// not a list header), so two are ambiguous, as a duplicate JSON member is: 400, whichever
// method, and the message names the header, never its values.
func TestTwoAuthorizationHeadersAreRefused(t *testing.T) {
	s := startStub(t)
	s.Echo().GET("/guarded", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, s.RequireToken())
	token := s.loginToken(t)
	other := basicAuth("00000000000000000000000000000000", "")
	for _, c := range []struct {
		name, path, body string
		values           []string
	}{
		{"web API key, the same key twice", opWebKey, "{}", []string{vendorBasic, vendorBasic}},
		{"web API key, another key second", opWebKey, "{}", []string{vendorBasic, other}},
		{"web API key, another key first", opWebKey, "{}", []string{other, vendorBasic}},
		{"consumer", opConsumer, consumerBody, []string{vendorBasic, other}},
		{"login", opLogin, validLogin, []string{vendorBasic, other}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawRequest(t, http.MethodPost, s.BaseURL+c.path, c.body,
				"Authorization", c.values[0], "Authorization", c.values[1])
			expectFailure(t, status, body, http.StatusBadRequest, gen.ErrorCodeInvalidRequest, "Authorization header")
			for _, v := range c.values {
				_, credentials, _ := strings.Cut(v, " ")
				if strings.Contains(string(body), credentials) {
					t.Fatalf("the answer repeats the credentials: %s", body)
				}
			}
		})
	}
	t.Run("a route guarded by RequireToken", func(t *testing.T) {
		status, body := rawRequest(t, http.MethodGet, s.URL+"/guarded", "",
			"Authorization", "Bearer "+token, "Authorization", "Bearer x.y.z")
		expectFailure(t, status, body, http.StatusBadRequest, gen.ErrorCodeInvalidRequest, "Authorization header")
		if strings.Contains(string(body), token) {
			t.Fatalf("the answer repeats the token: %s", body)
		}
	})
	// One header still works, and the refusals above touched no session.
	if resp := s.release(t, token); resp.JSON200 == nil {
		t.Fatalf("release after the refusals: %d %s", resp.StatusCode(), resp.Body)
	}
}

// TestPercentEncodedMethodPathIsNotFound: Echo routes on the path as sent (URL.RawPath), so
// /authentication/%74oken is no method, and the 404 names exactly what was asked, not the
// decoded path of a method that exists.
func TestPercentEncodedMethodPathIsNotFound(t *testing.T) {
	s := startStub(t)
	for _, path := range []string{"/authentication/%74oken", "/authentication%2Ftoken", "/authentication/web_api_key/%74oken"} {
		status, body := rawRequest(t, http.MethodPost, s.BaseURL+path, validLogin)
		expectFailure(t, status, body, http.StatusNotFound, gen.ErrorCodeNotFound, "no method at /crmapi/rest/v2"+path)
	}
}
