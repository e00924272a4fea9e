package httpstub

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// exchange is one request's state shared along the chain: the request log creates it, the
// Basic authentication fills in the key, handlers record the outcome for the log. It travels
// in the request's context because strict handlers see only that (values set with c.Set are
// invisible to them).
type exchange struct {
	operation  string
	key        string // the Basic username, once authentication parsed it; never logged
	client     string // the TCP peer's address, for the brute-force brake
	session    sessions.ID
	hasSession bool
	code       gen.ErrorCode // status.code of a failure
	// For the journal: who the token concerned speaks for, the fault injected, and whether
	// the request is one not to journal (an admin route's).
	holder       *sessions.Holder
	fault        gen.ErrorCode
	unjournalled bool
	notes        journal.Notes // a refusal's reason, the upstream that answered (journal.NoteReason)
	// answer is an issuing method's 200, handed to the generated code as a pointer into the
	// exchange: a tokenAnswer value in the response interface would be boxed, an allocation
	// per token.
	answer tokenAnswer
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	if x == nil {
		return &exchange{} // outside the stub's chain: a throwaway, so callers need no nil checks
	}
	return x
}

// noteOutcome records what the request ended in, for the request log and the journal: the
// code of a failure and its reason, and the session concerned when there is one (a refused
// release of a genuine token names its session too).
func (x *exchange) noteOutcome(id sessions.ID, f *failure) {
	if f != nil {
		x.noteRefusal(f)
	}
	if id != (sessions.ID{}) {
		x.session, x.hasSession = id, true
	}
}

// noteRefusal records a refusal's code and its reason (the domain's, or the answer's message
// when that says it all), unless journal.NoteReason already gave one.
func (x *exchange) noteRefusal(f *failure) {
	x.code = codeOf(f)
	if x.notes.Reason == "" {
		x.notes.Reason = f.Why()
	}
}

// tokenAnswer is the 200 answer carrying token, held in the exchange.
func (x *exchange) tokenAnswer(token string) *tokenAnswer {
	x.answer = tokenAnswer(token)
	return &x.answer
}

// noteIssued records an issuing method's outcome, and who its token speaks for.
func (x *exchange) noteIssued(t authority.Issued, f *failure) {
	if t.Holder != nil {
		x.holder = t.Holder
	}
	x.noteOutcome(t.ID, f)
}

// noteClient records the TCP peer's address in the exchange, for the brute-force brake.
func noteClient(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		exchangeFrom(r.Context()).client = remoteHost(r.RemoteAddr)
		return next(c)
	}
}
