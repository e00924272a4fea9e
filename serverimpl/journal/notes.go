package journal

import "context"

// Notes are what the code answering a request adds to the request's journal entry while it
// answers: why it refused the request, which upstream answered it. The request log that
// writes the entry keeps one Notes per request in the request's context (under NotesKey)
// and copies them into the Entry once the answer is given.
//
// This is the one hook for reasons: where a refusal is decided, NoteReason(ctx, "…") puts
// its words on the entry; nothing else is needed.
type Notes struct {
	Reason   string
	Upstream string
}

// NotesKey is the context key of a request's *Notes. The stub's request log answers it from
// the request's own context value (no allocation per request); WithNotes is for any other
// caller.
type NotesKey struct{}

// WithNotes returns ctx carrying n: a request answered under ctx writes its notes into n.
func WithNotes(ctx context.Context, n *Notes) context.Context {
	return context.WithValue(ctx, NotesKey{}, n)
}

// NotesFrom is the request's notes, or nil outside a journalled request.
func NotesFrom(ctx context.Context) *Notes {
	n, _ := ctx.Value(NotesKey{}).(*Notes)
	return n
}

// NoteReason records why the request answered under ctx was refused, in plain words that hold
// no secret (no password, key, code or token; a username, organisation, unit, jti or time is
// fine). Outside a journalled request it does nothing. The last reason noted wins.
func NoteReason(ctx context.Context, reason string) {
	if n := NotesFrom(ctx); n != nil {
		n.Reason = reason
	}
}

// NoteUpstream records which upstream (host:port) answered the request answered under ctx.
// Outside a journalled request it does nothing.
func NoteUpstream(ctx context.Context, upstream string) {
	if n := NotesFrom(ctx); n != nil {
		n.Upstream = upstream
	}
}
