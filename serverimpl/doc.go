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
// The parts, one concern per file: fixtures (who may log in), sessions (issued tokens and their
// state), tokens (signing and parsing JWTs), authority (the four methods as plain Go, below
// HTTP), handlers (generated request and response objects to and from the authority), and the
// HTTP wiring around them (validation, envelope, faults, CORS, logs, admin clock).
package serverimpl
