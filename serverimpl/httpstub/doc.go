// Package httpstub is the stub's HTTP adapter: the strict handlers generated from openapi.yaml
// in front of package authority, each method behind its chain (faults, body rules, Basic,
// validation against the spec), strict JSON, the token rule with its Echo and net/http
// middleware, the envelope and statuses, CORS, the request log and journal entry, the spec,
// docs and operational routes (mountOperational: the one place for /healthz and the like),
// and Extension. Package serverimpl builds its Stack from the options.
package httpstub
