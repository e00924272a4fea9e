package serverimpl_test

import (
	"net/http"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestEveryUnauthorizedCarriesItsChallenge holds the stub to the spec's rule for 401s (RFC 9110
// §11.6.1: every 401 carries WWW-Authenticate): HTTP Basic when the key was refused, the Body
// scheme when the refused credentials are members of the JSON body, also when the key itself
// was accepted (a Basic challenge there would invite a pointless retry). Each 401 is reached
// for real and by fault injection, which answers through a different path (the error handler).
func TestEveryUnauthorizedCarriesItsChallenge(t *testing.T) {
	s := startStub(t)
	const basic, body = `Basic realm="crmauth"`, `Body realm="crmauth"`
	released := s.loginToken(t)
	s.release(t, released)
	cases := []struct {
		name, path, auth, body string
		code                   gen.ErrorCode
		challenge              string
	}{
		{"login, wrong password", "/authentication/token", "", `{"username":"jdoe","password":"wrong","organisation":"ps_dev"}`, gen.ErrorCodeInvalidCredentials, body},
		{"release, released token", "/authentication/token/release", "", `{"token":"` + released + `"}`, gen.ErrorCodeInvalidToken, body},
		{"web API key, unknown key", "/authentication/web_api_key/token", "Basic " + b64("UNKNOWNKEY:"), `{}`, gen.ErrorCodeInvalidKey, basic},
		{"web API key, no Authorization", "/authentication/web_api_key/token", "", `{}`, gen.ErrorCodeInvalidKey, basic},
		{"consumer key, unknown key", "/authentication/consumer_application_key/token", "Basic " + b64("UNKNOWNKEY:"), validRequests["/authentication/consumer_application_key/token"], gen.ErrorCodeInvalidKey, basic},
		{"consumer key accepted, wrong code", "/authentication/consumer_application_key/token", vendorBasic, `{"access_token_identifier":{"authentication_code":"wrong"}}`, gen.ErrorCodeInvalidAccessTokenIdentifier, body},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, got := s.post(t, c.path, "application/json", []byte(c.body), "Authorization", c.auth)
			expectFailure(t, resp.StatusCode, got, http.StatusUnauthorized, c.code, "")
			if h := resp.Header.Values("WWW-Authenticate"); len(h) != 1 || h[0] != c.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", h, c.challenge)
			}
		})
	}
	injected := []struct {
		path      string
		code      gen.ErrorCode
		challenge string
	}{
		{"/authentication/token", gen.ErrorCodeInvalidCredentials, body},
		{"/authentication/token/release", gen.ErrorCodeInvalidToken, body},
		{"/authentication/token/release", gen.ErrorCodeTokenExpired, body},
		{"/authentication/web_api_key/token", gen.ErrorCodeInvalidKey, basic},
		{"/authentication/consumer_application_key/token", gen.ErrorCodeInvalidKey, basic},
		{"/authentication/consumer_application_key/token", gen.ErrorCodeInvalidAccessTokenIdentifier, body},
	}
	for _, c := range injected {
		t.Run("injected "+c.path+" "+string(c.code), func(t *testing.T) {
			resp, got := s.post(t, c.path, "application/json", []byte(`{}`), serverimpl.FaultHeader, string(c.code))
			expectFailure(t, resp.StatusCode, got, http.StatusUnauthorized, c.code, "injected")
			if h := resp.Header.Values("WWW-Authenticate"); len(h) != 1 || h[0] != c.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", h, c.challenge)
			}
		})
	}
}
