// Package gateway puts the stub's token rule in front of the rest of a mocked CRM.COM.
//
// Gateway is a reverse proxy for every request under serverimpl.BasePath that is not one of
// CRM.COM's four authentication methods: a request whose token is live (by
// serverimpl.Stub.CheckRequest, which counts as a use) goes to the upstream (a Prism mock of
// CRM.COM's other methods, WireMock, a real CRM.COM test instance) with the holder's identity
// in X-Crmauth-* headers; any other is answered in the envelope and never reaches it.
//
// ForwardAuth is the same check for teams with their own gateway: GET /_crmauth/check, as
// nginx's auth_request and Traefik's ForwardAuth call it, or a browser's service worker.
//
// Both are serverimpl.Extensions:
//
//	serverimpl.Options{Extensions: []serverimpl.Extension{gw, gateway.ForwardAuth{}}}
package gateway
