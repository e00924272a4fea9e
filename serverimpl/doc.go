// Package serverimpl is the crmauth stub: CRM.COM's four authentication methods behind the
// strict server interface generated from openapi.yaml, with the behaviour of the real thing
// (logins that fail, tokens that expire and can be released, errors in CRM.COM's envelope).
//
// Go teams start it inside their tests the way they start an httptest server:
//
//	clock := serverimpl.NewSettableClock(time.Now())
//	srv, err := serverimpl.Start(serverimpl.Options{Clock: clock})
//	...
//	defer srv.Close()
//	client, _ := gen.NewClientWithResponses(srv.BaseURL)
//	clock.Advance(2 * time.Hour) // every key token is now expired
//
// This package is the composition root and the public face: Options, New, Start, Listen and
// the Stub's Go methods. The parts live in packages of their own, which never import this one
// (docs/architecture.md draws them): authority (the four methods as plain Go, below HTTP:
// fixtures, tokens, the brute-force brake), httpstub (the HTTP adapter: handlers, validation,
// envelope, faults, CORS, the request log, the spec, docs and operational routes), clock,
// config (Options), sessions, throttle, journal, coverage and admin.
package serverimpl
