package authority

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	limits   ThrottleOptions // for reasons: how many failures, in how long, answer 429
}

// failureCounter is a Counter that can say how many failures a key has (the in-memory
// throttle.Limiter), for a wrong secret's reason: "3 of 10 failures before 429".
type failureCounter interface {
	Failures(ctx context.Context, key string) (int, error)
}

func newBrake(o ThrottleOptions, counter func(throttle.Config) throttle.Counter, clock clock.Clock, store sessions.Store) *brake {
	if counter == nil {
		counter = func(c throttle.Config) throttle.Counter { return throttle.New(c) }
	}
	b := &brake{
		accounts: counter(throttle.Config{Name: "accounts", MaxFailures: o.MaxFailures, Window: o.Window, Now: clock.Now}),
		clients:  counter(throttle.Config{Name: "clients", MaxFailures: o.MaxFailuresPerClient, Window: o.Window, Now: clock.Now}),
		limits:   o,
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
	f = tooManyFailures(max(byClient.Wait, byAccount.Wait))
	if byAccount.Blocked {
		return byAccount.Recorded, f.because("%s: %s has had %d failures within %s", f.Message, accountName(account), b.limits.MaxFailures, span(b.limits.Window))
	}
	return byAccount.Recorded, f.because("%s: the client %s has had %d failures within %s", f.Message, client, b.limits.MaxFailuresPerClient, span(b.limits.Window))
}

// tooManyFailures is the answer to an attempt while its account or client is blocked.
func tooManyFailures(wait time.Duration) *Failure {
	f := &Failure{Code: CodeTooManyRequests, RetryAfter: wait}
	f.Message = fmt.Sprintf("too many failed attempts; try again in %d seconds", f.RetryAfterSeconds())
	return f
}

// blockedEither is tooManyFailures when one step (throttle.Attempts) said only that the account
// or the client is blocked.
func (b *brake) blockedEither(wait time.Duration, account, client string) *Failure {
	f := tooManyFailures(wait)
	return f.because("%s: %s (at most %d failures) or the client %s (at most %d) has failed too often within %s",
		f.Message, accountName(account), b.limits.MaxFailures, client, b.limits.MaxFailuresPerClient, span(b.limits.Window))
}

// accountName is an account of the brake as a reason names it: "jdoe@ps_dev" for a login, and
// for a key "the key sent" (the account holds only the key's digest).
func accountName(account string) string {
	if rest, ok := strings.CutPrefix(account, "login\x00"); ok {
		organisation, username, _ := strings.Cut(rest, "\x00")
		return "the account " + quote(holderName(username, organisation))
	}
	return "the key sent"
}

// counted completes a wrong secret's reason with the account's count, when the counter can
// say it: "wrong password for jdoe@ps_dev, 3 of 10 failures before 429".
func (b *brake) counted(ctx context.Context, account string, f *Failure) *Failure {
	if f == nil || !guessed(f.Code) || b.limits.MaxFailures <= 0 {
		return f
	}
	if fc, ok := b.accounts.(failureCounter); ok {
		if n, err := fc.Failures(ctx, account); err == nil && n > 0 {
			f.Reason = fmt.Sprintf("%s, %d of %d failures before 429", f.Why(), n, b.limits.MaxFailures)
			return f
		}
	}
	f.Reason = fmt.Sprintf("%s; %d failures within %s answer 429", f.Why(), b.limits.MaxFailures, span(b.limits.Window))
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
func countsFailure(err error) *Failure {
	f := &Failure{Code: CodeServiceUnavailable, Message: "the failure counts are unavailable; try again shortly", RetryAfter: StoreRetryAfter}
	return f.because("the brute-force brake's failure counts could not be asked, so the attempt was not checked: %s", firstLine(err))
}

// guessed reports whether a failure means a wrong secret, the thing brute force tries.
func guessed(code Code) bool {
	switch code {
	case CodeInvalidCredentials, CodeInvalidKey, CodeInvalidAccessTokenIdentifier:
		return true
	}
	return false
}
