package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// The requests the scenarios send, built from the stub's embedded default fixtures.
const (
	basePath      = "/crmapi/rest/v2"
	webAPIKeyPath = "/authentication/web_api_key/token"
	loginPath     = "/authentication/token"
	releasePath   = "/authentication/token/release"
	// protectedPath is the route (e) puts behind the stub's token check; it is the bench's
	// own, not part of the spec.
	protectedPath = "/bench/protected"
	// otherPath is the method of the rest of CRM.COM that (h) calls through the gateway (as
	// basePath+otherPath) and (i) on the upstream directly.
	otherPath = "/bench/contacts/list"

	webAPIKey     = "EE73C0AE64524371B5DDEFF5F7BB2192"
	loginUser     = "jdoe"
	loginPassword = "s3cret-Passw0rd"
	organisation  = "ps_dev"
)

var (
	webAPIKeyAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(webAPIKey+":"))
	loginBody     = fmt.Sprintf(`{"username":%q,"password":%q,"organisation":%q}`, loginUser, loginPassword, organisation)
)

// header is one request header line.
type header struct{ name, value string }

// rawRequest is the HTTP/1.1 wire form of a JSON POST, what the load generator writes.
func rawRequest(host, path, body string, headers ...header) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, host, len(body))
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.name, h.value)
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

func webAPIKeyRaw(host string) []byte {
	return rawRequest(host, basePath+webAPIKeyPath, "{}", header{"Authorization", webAPIKeyAuth})
}

func loginRaw(host string) []byte { return rawRequest(host, basePath+loginPath, loginBody) }

func releaseRaw(host, token string) []byte {
	return rawRequest(host, basePath+releasePath, fmt.Sprintf(`{"token":%q}`, token))
}

// The same requests as *http.Request, for the target's in-process calls to the stub.

func webAPIKeyRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, basePath+webAPIKeyPath, strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", webAPIKeyAuth)
	return r
}

func loginRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, basePath+loginPath, strings.NewReader(loginBody))
	r.Header.Set("Content-Type", "application/json")
	return r
}
