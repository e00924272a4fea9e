package fleettest

import (
	"encoding/base64"
	"fmt"
	"net/http"
)

// The stub's embedded default fixtures (serverimpl/authority/fixtures_default.yaml).
const (
	basePath      = "/crmapi/rest/v2"
	loginPath     = basePath + "/authentication/token"
	webAPIKeyPath = basePath + "/authentication/web_api_key/token"
	consumerPath  = basePath + "/authentication/consumer_application_key/token"
	releasePath   = basePath + "/authentication/token/release"
	checkPath     = "/_crmauth/check"
	clockPath     = "/_crmauth/clock"
	advancePath   = "/_crmauth/clock/advance"
	resetPath     = "/_crmauth/reset"

	fixtureKey = "EE73C0AE64524371B5DDEFF5F7BB2192"
)

var keyAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(fixtureKey+":"))

// issuer is one of the three methods that issue tokens.
type issuer struct {
	name string
	req  request
}

var issuers = []issuer{
	{"authentication/token", request{method: http.MethodPost, path: loginPath,
		body: `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`}},
	{"authentication/web_api_key/token", request{method: http.MethodPost, path: webAPIKeyPath, auth: keyAuth, body: `{}`}},
	{"authentication/consumer_application_key/token", request{method: http.MethodPost, path: consumerPath, auth: keyAuth,
		body: `{"access_token_identifier":{"authentication_code":"p_kestora1!"}}`}},
}

func releaseRequest(token string) request {
	return request{method: http.MethodPost, path: releasePath, body: fmt.Sprintf(`{"token":%q}`, token)}
}

func checkRequest(token string) request {
	return request{method: http.MethodGet, path: checkPath, auth: "Bearer " + token}
}

func advanceRequest(seconds int) request {
	return request{method: http.MethodPost, path: advancePath, body: fmt.Sprintf(`{"seconds":%d}`, seconds)}
}

func resetRequest() request { return request{method: http.MethodPost, path: resetPath} }
