// Package authority is the stub's domain, below HTTP: CRM.COM's four authentication methods
// as plain Go. It checks credentials against the directory compiled from the fixtures, opens
// and ends sessions, signs and parses tokens (canonical form only), brakes brute force, and
// checks tokens. It imports neither Echo nor net/http: what it needs from a request (the
// client's address) is an argument, and what it learns (the session, who a token speaks for)
// is in its answer. Package httpstub translates HTTP to it; package serverimpl wires it.
package authority
