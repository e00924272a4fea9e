package authority

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// Default brute-force brake (Options.Throttle). A frontend's test suite that fails a login on
// purpose a few times stays far below them; a script guessing passwords or pass codes does not.
const (
	DefaultMaxFailures          = 10
	DefaultMaxFailuresPerClient = 100
	DefaultFailureWindow        = 5 * time.Minute
)

// ThrottleOptions set the brute-force brake on the methods that check a secret
// (authentication/token, web_api_key/token, consumer_application_key/token).
//
// Failures are counted per account — an (organisation, username) pair for logins, the key for
// the key-based methods — and per client address. Once either has MaxFailures (per account) or
// MaxFailuresPerClient (per address) failures within Window, counted from its first failure,
// every further attempt until the window ends is answered 429 TOO_MANY_REQUESTS with
// Retry-After, even with the right secret. A success clears the account's count, not the
// address's (else a client could reset it with a login of its own between guesses).
//
// The client address is the TCP peer's: forwarding headers are not trusted.
type ThrottleOptions struct {
	MaxFailures          int           // 0: DefaultMaxFailures; < 0: no per-account limit
	MaxFailuresPerClient int           // 0: DefaultMaxFailuresPerClient; < 0: no per-address limit
	Window               time.Duration // 0: DefaultFailureWindow
	Disabled             bool          // no throttling at all
}

// WithDefaults is o with its zero values replaced by the defaults, or why o is wrong.
func (o ThrottleOptions) WithDefaults() (ThrottleOptions, error) {
	if o.Window < 0 {
		return o, fmt.Errorf("serverimpl: throttle window must not be negative")
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = DefaultMaxFailures
	}
	if o.MaxFailuresPerClient == 0 {
		o.MaxFailuresPerClient = DefaultMaxFailuresPerClient
	}
	if o.Window == 0 {
		o.Window = DefaultFailureWindow
	}
	if o.Disabled {
		o.MaxFailures, o.MaxFailuresPerClient = -1, -1
	}
	return o, nil
}

// brake is ThrottleOptions at work: one limiter for accounts, one for client addresses.
type brake struct {
	accounts throttle.Counter
	clients  throttle.Counter
	// attempts, when the session store has them for these counters (AttemptStore), records an
	// issuing method's attempt in one step instead of admit, the session's Add and record.
	attempts throttle.Attempts
}

func newBrake(o ThrottleOptions, counter func(throttle.Config) throttle.Counter, clock clock.Clock, store sessions.Store) *brake {
	if counter == nil {
		counter = func(c throttle.Config) throttle.Counter { return throttle.New(c) }
	}
	b := &brake{
		accounts: counter(throttle.Config{Name: "accounts", MaxFailures: o.MaxFailures, Window: o.Window, Now: clock.Now}),
		clients:  counter(throttle.Config{Name: "clients", MaxFailures: o.MaxFailuresPerClient, Window: o.Window, Now: clock.Now}),
	}
	if as, ok := store.(throttle.AttemptStore); ok {
		if at, ok := as.Attempts(b.accounts, b.clients); ok {
			b.attempts = at
		}
	}
	return b
}

// clear forgets every failure counted, as when the stub is reset.
func (b *brake) clear(ctx context.Context) error {
	return errors.Join(b.accounts.Clear(ctx), b.clients.Clear(ctx))
}

// Account names for the limiter. Keys are held by their SHA-256 (fixed size however long the
// sent key, and never the key itself in memory longer than the request).
func loginAccount(organisation, username string) string {
	return "login\x00" + organisation + "\x00" + username
}

func keyAccount(key string) string {
	d := keyDigest(key)
	return "key\x00" + string(d[:])
}

// admit refuses an attempt while the account or the client is blocked, and while a shared
// count cannot be asked (503: an attempt not counted would be a free guess). Both are asked
// at once (one round trip to a shared store). recorded says whether the account has failures
// to forget after a success.
func (b *brake) admit(ctx context.Context, account, client string) (recorded bool, f *Failure) {
	byClient, byAccount, err := throttle.BlockedBoth(ctx,
		throttle.Query{Counter: b.clients, Key: client},
		throttle.Query{Counter: b.accounts, Key: account})
	if err != nil {
		return false, countsFailure(err)
	}
	if !byClient.Blocked && !byAccount.Blocked {
		return byAccount.Recorded, nil
	}
	return byAccount.Recorded, tooManyFailures(max(byClient.Wait, byAccount.Wait))
}

// tooManyFailures is the answer to an attempt while its account or client is blocked.
func tooManyFailures(wait time.Duration) *Failure {
	f := &Failure{Code: CodeTooManyRequests, RetryAfter: wait}
	f.Message = fmt.Sprintf("too many failed attempts; try again in %d seconds", f.RetryAfterSeconds())
	return f
}

// record counts the attempt's outcome: a failure of the secret counts against the account and
// the client; a success clears the account when admit found failures recorded for it (a
// failure recorded meanwhile by a concurrent attempt stays: which came first is undecided).
// A count that cannot be written is answered 503 instead of the wrong secret's 401 (a guess
// must not go uncounted); a success keeps its token (its session is already stored).
func (b *brake) record(ctx context.Context, account, client string, recorded bool, f *Failure) *Failure {
	switch {
	case f == nil:
		if recorded {
			_ = b.accounts.Reset(ctx, account)
		}
	case guessed(f.Code):
		err := b.accounts.Fail(ctx, account)
		if e := b.clients.Fail(ctx, client); err == nil {
			err = e
		}
		if err != nil {
			return countsFailure(err)
		}
	}
	return f
}

// countsFailure answers failure counts that could not be asked: 503, as for the session store.
func countsFailure(error) *Failure {
	return &Failure{Code: CodeServiceUnavailable, Message: "the failure counts are unavailable; try again shortly", RetryAfter: StoreRetryAfter}
}

// guessed reports whether a failure means a wrong secret, the thing brute force tries.
func guessed(code Code) bool {
	switch code {
	case CodeInvalidCredentials, CodeInvalidKey, CodeInvalidAccessTokenIdentifier:
		return true
	}
	return false
}
