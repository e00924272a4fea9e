package throttle

import (
	"context"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// AttemptStore is a session store that can record an issuing method's attempt together with
// the brute-force brake's failure counts in one step: ask both windows, and then store the
// session and forget the account's failures, or count a failure in both windows, or nothing.
// A networked store (redisstate on a single node or Sentinel: one script) thus costs one round
// trip per attempt instead of two or three (ask the windows; store the session and forget the
// account's failures, or count the failure in each window).
//
// The stub checks the credentials first, locally, and then records the attempt; without an
// AttemptStore it asks the windows first and checks the credentials only when admitted.
// Either way the answer is the same: 429 while blocked (with the right secret too), a success
// clears the account's count only, wrong secrets count per account and per client, and
// refused units do not count. Methods whose check may compare bcrypt hashes (logins, or a
// consumer key's access tokens, when the fixtures hold such hashes) keep asking first, so a
// blocked client cannot make the stub spend bcrypt's CPU on every attempt.
type AttemptStore interface {
	sessions.Store
	// Attempts returns the store's one-step attempts over the brake's counters (accounts for
	// the accounts, clients for the client addresses), or false when it has none for them:
	// they are not its own, or one step cannot reach all their keys (a Redis Cluster, where
	// they are on different slots). Called once, when the stub is built.
	Attempts(accounts, clients Counter) (Attempts, bool)
}

// Attempts records one attempt at an issuing method with the brake, atomically. Each method
// first asks whether account or client is blocked: if so it writes nothing and answers how
// long to wait (RetryAfter's rounding, as Status.Wait), else wait is 0. An error
// means the store could not be asked (nothing is known to be written).
type Attempts interface {
	// Open stores *s under id and forgets account's failures: the secret was right. A store
	// whose clock is shared with other replicas decides with its own time and sets s's
	// times (issued, last use, deadline) to it; the token is signed with them.
	Open(ctx context.Context, account, client string, id sessions.ID, s *sessions.Session) (wait time.Duration, err error)
	// Fail counts a failure against account and client: a wrong secret.
	Fail(ctx context.Context, account, client string) (wait time.Duration, err error)
	// Ask writes nothing: an attempt that does not count (a refused unit).
	Ask(ctx context.Context, account, client string) (wait time.Duration, err error)
}
