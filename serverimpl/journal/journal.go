// Package journal is the stub's request journal: one Entry per request it answered, kept in a
// bounded Store, so a test suite can ask what happened ("exactly one ReleaseToken answered OK
// since T") instead of guessing. The Store is a contract with more than one implementation —
// Memory here, a shared one (Redis) in a package of its own — proven alike by the suite in
// journaltest.
//
// An entry never holds a secret: no header, no query string, no body, and of a token only its
// session ID (jti) and the holder it speaks for.
package journal

import (
	"context"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// DefaultSize is how many entries a journal keeps when not told otherwise.
const DefaultSize = 10_000

// Entry is one request the stub answered.
type Entry struct {
	// Time is when the request arrived, by the stub's clock (so it compares with a token's
	// iat and with the admin clock).
	Time time.Time
	// Operation is the operationId of a CRM.COM method ("Login", "ReleaseToken", …), or ""
	// for any other route.
	Operation string
	Method    string // the HTTP method
	Path      string // the URL path, never the query (a token may travel there)
	Status    int    // the HTTP status answered
	// Code is the answer's status.code: "OK", a code of the catalogue, or "" for an answer
	// outside the envelope (the documentation pages, for example).
	Code string
	// Session is the jti of the token concerned (issued, released or checked), when HasSession.
	Session    sessions.ID
	HasSession bool
	// Holder is who the token concerned speaks for; nil when there is none.
	Holder *sessions.Holder
	// Latency is how long the answer took, by the wall clock (added latency included).
	Latency time.Duration
	// Fault is the status.code forced with the fault-injection header, or "".
	Fault string
	// Client is the TCP peer's address, without the port.
	Client string
	// Reason is why the request was refused, in plain words, as the code that decided it
	// noted it (Notes); "" when none was given. Never a secret: a username, organisation,
	// unit, jti or time at most.
	Reason string
	// Upstream is the upstream (host:port) that answered a call the gateway passed on; "" for
	// the stub's own answers.
	Upstream string
}

// Filter selects entries. Its zero value selects every entry.
type Filter struct {
	// Operation selects entries of this operationId; for an entry of no operation, it is
	// compared with the path ("/healthz").
	Operation string
	Status    int    // the HTTP status; 0: any
	Code      string // status.code; "": any
	// Session selects the entries of one session (jti); nil: any.
	Session *sessions.ID
	// Since selects entries at or after this instant; zero: any.
	Since time.Time
	// Reason selects entries whose Reason contains these words, ignoring ASCII case; "": any.
	Reason string
	// Limit bounds how many entries List returns (the newest); 0: no bound. Count ignores it.
	Limit int
}

// Match reports whether e is selected by f (Limit aside). Every Store filters with it.
func (f *Filter) Match(e *Entry) bool {
	switch {
	case f.Operation != "" && f.Operation != e.Operation && (e.Operation != "" || f.Operation != e.Path):
		return false
	case f.Status != 0 && f.Status != e.Status:
		return false
	case f.Code != "" && f.Code != e.Code:
		return false
	case f.Session != nil && (!e.HasSession || *f.Session != e.Session):
		return false
	case !f.Since.IsZero() && e.Time.Before(f.Since):
		return false
	case f.Reason != "" && !containsFold(e.Reason, f.Reason):
		return false
	}
	return true
}

// containsFold reports whether s contains sub, ignoring ASCII case, without allocating: a
// filter runs over every entry of the journal.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// Store keeps the newest entries, up to its size; older ones are dropped as new ones come. It
// is safe for concurrent use, and when several stubs share one store it holds the requests of
// all of them.
//
// Every method takes a context and returns an error, because a store may be across a network:
// an error means the store could not be asked. Memory's methods never fail.
type Store interface {
	// Append records an entry.
	Append(ctx context.Context, e Entry) error
	// List returns the entries f selects, newest first, at most f.Limit of them when it is
	// positive.
	List(ctx context.Context, f Filter) ([]Entry, error)
	// Count is how many entries f selects, whatever f.Limit.
	Count(ctx context.Context, f Filter) (int, error)
	// Clear forgets every entry.
	Clear(ctx context.Context) error
}
