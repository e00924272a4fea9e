package main

import (
	"net/http"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// buildStub is the stub as a team's tests build it: serverimpl.New with its defaults
// (embedded fixtures, fault injection on, CORS for any origin, the brute-force brake on),
// only the secret fixed. Options.Logger is nil, so the request log goes to
// slog.DiscardHandler and builds no line; `crmauth serve` logs to stderr, which would measure
// the terminal, not the stub (BenchmarkStub's json_log case gives the cost of a log line).
func buildStub() (*serverimpl.Stub, error) {
	return serverimpl.New(stubOptions())
}

// stubOptions are buildStub's options, which the Redis stub of (f) and (g) starts from too.
func stubOptions() serverimpl.Options {
	return serverimpl.Options{Secret: []byte("crmauth-bench signing secret, not for use elsewhere")}
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
