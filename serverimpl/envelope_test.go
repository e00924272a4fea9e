package serverimpl_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
)

const loginPath = "/authentication/token"

// TestValidationNamesTheField: every validation failure is 400 INVALID_REQUEST in the envelope,
// and its message says which field is wrong.
func TestValidationNamesTheField(t *testing.T) {
	s := startStub(t)
	cases := []struct {
		name, path, body, message string
	}{
		{"missing field", loginPath, `{"username":"jdoe","password":"x"}`, `request body: property "organisation" is missing`},
		{"misspelt field", loginPath, `{"username":"jdoe","password":"x","organization":"ps_dev"}`, `property "organization" is unsupported`},
		{"wrong type", loginPath, `{"username":7,"password":"x","organisation":"ps_dev"}`, "username: value must be a string"},
		{"empty string", loginPath, `{"username":"","password":"x","organisation":"ps_dev"}`, "username: minimum string length is 1"},
		{"null", loginPath, `{"username":null,"password":"x","organisation":"ps_dev"}`, "username"},
		{"not an object", loginPath, `["jdoe"]`, "request body: value must be an object"},
		{"malformed JSON", loginPath, `{"username":`, "request body: not valid JSON"},
		{"empty body", loginPath, ``, "request body: is missing"},
		{"unit too long", loginPath, `{"username":"jdoe","password":"x","organisation":"ps_dev","unit":"` + string(bytes.Repeat([]byte("1"), 65)) + `"}`, "unit: maximum string length is 64"},
		{"release without token", "/authentication/token/release", `{}`, `property "token" is missing`},
		{"consumer without identifier", "/authentication/consumer_application_key/token", `{"unit":"1"}`, `property "access_token_identifier" is missing`},
		{"nested unknown member", "/authentication/consumer_application_key/token", `{"access_token_identifier":{"authentication_code":"x","colour":"red"}}`, `access_token_identifier: property "colour" is unsupported`},
		{"web API key unknown member", "/authentication/web_api_key/token", `{"units":"1"}`, `property "units" is unsupported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			resp, got := s.post(t, c.path, "application/json", body, "Authorization", vendorBasic)
			expectFailure(t, resp.StatusCode, got, 400, gen.ErrorCodeInvalidRequest, c.message)
		})
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := startStub(t)
	cases := []struct {
		method, path string
		status       int
		code         gen.ErrorCode
	}{
		{http.MethodPost, "/crmapi/rest/v2/authentication/nothing", 404, gen.ErrorCodeNotFound},
		{http.MethodPost, "/crmapi/rest/v2/authentication/token/", 404, gen.ErrorCodeNotFound},
		{http.MethodGet, "/nowhere", 404, gen.ErrorCodeNotFound},
		{http.MethodGet, "/crmapi/rest/v2/authentication/token", 405, gen.ErrorCodeMethodNotAllowed},
		{http.MethodPut, "/crmapi/rest/v2/authentication/token/release", 405, gen.ErrorCodeMethodNotAllowed},
		{http.MethodDelete, "/crmapi/rest/v2/authentication/web_api_key/token", 405, gen.ErrorCodeMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, body := s.do(t, c.method, c.path, "application/json", []byte(`{}`))
			expectFailure(t, resp.StatusCode, body, c.status, c.code, "")
			if c.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

func TestPayloadTooLarge(t *testing.T) {
	s := startStub(t)
	big := append([]byte(`{"username":"`), bytes.Repeat([]byte("a"), 64<<10)...)
	big = append(big, `","password":"x","organisation":"ps_dev"}`...)
	resp, body := s.post(t, loginPath, "application/json", big)
	expectFailure(t, resp.StatusCode, body, 413, gen.ErrorCodePayloadTooLarge, "65536 bytes")

	// Just under the limit is read and validated (and refused for the long username).
	fits := append([]byte(`{"username":"`), bytes.Repeat([]byte("a"), 64<<10-60)...)
	fits = append(fits, `","password":"x","organisation":"ps_dev"}`...)
	resp, body = s.post(t, loginPath, "application/json", fits)
	expectFailure(t, resp.StatusCode, body, 400, gen.ErrorCodeInvalidRequest, "username: maximum string length is 255")
}

func TestUnsupportedMediaType(t *testing.T) {
	s := startStub(t)
	body := []byte(`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`)
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "text/plain", "application/xml"} {
		resp, got := s.post(t, loginPath, ct, body)
		expectFailure(t, resp.StatusCode, got, 415, gen.ErrorCodeUnsupportedMediaType, "")
	}
	resp, got := s.post(t, loginPath, "application/json; charset=utf-8", body)
	if resp.StatusCode != 200 {
		t.Fatalf("application/json with a charset: %d %s", resp.StatusCode, got)
	}
}
