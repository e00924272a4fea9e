package main

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// buildStub is the stub as a team's tests build it: serverimpl.New with its defaults
// (embedded fixtures, fault injection on, CORS for any origin, the brute-force brake on),
// only the secret fixed. Options.Logger is nil, so the request log goes to
// slog.DiscardHandler and builds no line; `crmauth serve` logs to stderr, which would measure
// the terminal, not the stub (BenchmarkStub's json_log case gives the cost of a log line).
// Its gateway (package gateway, as `crmauth serve --upstream` mounts it) proxies (h)'s calls
// to upstream.
func buildStub(upstream string) (*serverimpl.Stub, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(gateway.Config{Upstream: u})
	if err != nil {
		return nil, err
	}
	opts := stubOptions()
	opts.Extensions = []serverimpl.Extension{gw}
	return serverimpl.New(opts)
}

// stubOptions are the options every stub of the bench starts from, the Redis stub of (f) and
// (g) too: the secret fixed.
func stubOptions() serverimpl.Options {
	return serverimpl.Options{Secret: []byte("crmauth-bench signing secret, not for use elsewhere")}
}

// benchUpstream is the upstream of (h) and (i): a plain net/http handler answering a GET of
// otherPath with the same bytes (a) answers, as a mock of CRM.COM's other methods would.
func benchUpstream(answer tokenAnswer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != otherPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", answer.contentType)
		_, _ = w.Write(answer.body)
	})
}

// otherRaw is the GET of otherPath with the token as its parameter, as CRM.COM's GET methods
// take it: (h) sends it to the stub's gateway (under the base path), (i) to the upstream.
func otherRaw(host, path, token string) []byte {
	return []byte(fmt.Sprintf("GET %s?token=%s HTTP/1.1\r\nHost: %s\r\n\r\n", path, url.QueryEscape(token), host))
}

// protect mounts (e)'s route on the stub's own Echo, the way the stub's documentation says
// routes needing a token are added: behind RequireToken, next to CRM.COM's methods, with the
// stub's request log, recovery and CORS in front. The route then does no work of its own.
func protect(stub *serverimpl.Stub, answer tokenAnswer) {
	stub.Echo().POST(protectedPath, func(c echoContext) error {
		return c.Blob(http.StatusOK, answer.contentType, answer.body)
	}, stub.RequireToken())
}

// protectedRaw is (e)'s request: the token as RequireToken reads it.
func protectedRaw(host, token string) []byte {
	return rawRequest(host, protectedPath, "{}", header{"Authorization", "Bearer " + token})
}
