package sessions

import (
	"context"
	"errors"
	"time"
)

// ErrLimit is what a Store returns from Add when it holds as many live sessions as it may; the
// methods answer it with SERVICE_UNAVAILABLE and Retry-After.
var ErrLimit = errors.New("the limit of live sessions is reached")

// Store keeps sessions. It is safe for concurrent use, and each method is atomic for its
// session however many processes share the store: of any number of racing Ends of one live
// session, exactly one reports StateLive.
//
// Every method takes a context and returns an error, because a store may be across a network:
// an error other than ErrLimit means the store could not be asked (the stub answers 503), never
// that the session is in some state. Memory's methods never fail but for ErrLimit.
//
// After its deadline a session is StateExpired or StateUnknown: a store may forget it at any
// time from then on (Memory sweeps it; Redis lets its key expire). Callers treat the two alike
// for a token whose own exp claim has passed.
type Store interface {
	// Add records a new live session.
	Add(ctx context.Context, id ID, s Session) error
	// Use reports the session's state at now and, for a live session, counts as a use:
	// LastUse becomes now, and with Idle > 0 Deadline becomes now+Idle.
	Use(ctx context.Context, id ID, now time.Time) (State, error)
	// End ends a live session at now as released (StateReleased: a release) or as expired
	// (StateExpired: the server's doing), and reports the state it was in before. A session not
	// live is left as it is.
	End(ctx context.Context, id ID, now time.Time, as State) (State, error)
	// Get reports the session and its state at now without counting as a use.
	Get(ctx context.Context, id ID, now time.Time) (Session, State, error)
	// List calls fn for each session held, in no particular order, with its state at now,
	// until fn returns false. Sessions added or ended meanwhile may or may not be seen.
	List(ctx context.Context, now time.Time, fn func(ID, Session, State) bool) error
	// Clear forgets every session.
	Clear(ctx context.Context) error
	// Len is the number of sessions held: live, or ended and not yet forgotten.
	Len(ctx context.Context) (int, error)
}
