// Package clientimpl is the Go client for CRM.COM's authentication methods, for services that
// call CRM.COM (or this project's stub). It sits on the client generated from openapi.yaml
// (package gen) and adds what every caller otherwise rewrites:
//
//   - Client: the four methods (Login, WebAPIKeyToken, ConsumerApplicationKeyToken,
//     ReleaseToken) with a context on every call, a bounded timeout per attempt, and retries
//     of transient failures (no answer, 5xx, 429 with Retry-After) with capped, jittered
//     backoff. A refusal (wrong password, unknown key, any other 4xx) is never retried.
//   - Typed errors: *APIError carries the HTTP status and CRM.COM's status code, description
//     and message; sentinels (ErrInvalidCredentials, ErrTokenExpired, ErrThrottled, …) work
//     with errors.Is; *TransportError (no answer) and *ResponseError (an answer that does not
//     match the spec — never a zero-value token) are told apart from refusals.
//   - TokenSource: one token per credentials, cached and handed out without locks or
//     allocation, refreshed in the background before it ends, fetched once however many
//     goroutines ask, dropped on Invalidate, and released at the server on Close.
//   - EditRequest: puts the current token on requests of other generated CRM.COM clients,
//     where CRM.COM takes it: the `token` query parameter on GET, HEAD and DELETE, a `token`
//     member of the JSON object body on POST, PUT and PATCH (WithTokenPlacement for Bearer or
//     another place).
//
// CRM.COM documents no error answers, so the client judges by status.code, as the public
// clients of CRM.COM do: an answer whose code is not OK is an *APIError whatever its HTTP
// status.
//
// A typical service:
//
//	client, err := clientimpl.New("https://crm.example.com")
//	source, err := clientimpl.NewTokenSource(client, clientimpl.WebAPIKey{Key: key})
//	defer source.Close(context.Background())
//	tok, err := source.Token(ctx) // tok.Value is the token to send
package clientimpl
