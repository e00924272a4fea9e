package serverimpl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// authority is the four methods as plain Go, below HTTP: it checks credentials against the
// directory, opens and ends sessions, and signs tokens. Handlers only translate.
type authority struct {
	directory   directoryRef // swapped by reset when the fixtures file is read again
	sessions    sessions.Store
	holdersMu   sync.RWMutex
	holders     map[sessions.Holder]*sessions.Holder // one per holder, shared by its sessions
	signer      *tokenSigner
	clock       Clock
	loginIdle   time.Duration
	loginFixed  time.Duration // > 0: login tokens have this fixed lifetime (LoginExpiryFixed)
	keyLifetime time.Duration
	brake       *brake
}

// issued is a token and its session, for the handler's answer and the request log.
type issued struct {
	token string
	id    sessions.ID
}

// accessTokenIdentifier is the consumer method's access_token_identifier, already shaped.
type accessTokenIdentifier struct {
	authenticationCode, identifier, passCode *string
}

// grant is what a check of credentials found: the session to open, and its token's claims.
type grant struct {
	method   sessions.Method
	claims   claims
	lifetime time.Duration
	idle     bool // the lifetime is idle time (LoginExpiryIdle), not fixed from issue
}

// issue runs check, a check of a secret, behind the brute-force brake for account, and opens
// the session it grants. With one-step attempts (AttemptStore) the credentials are checked
// first and the outcome recorded in one step; costly says the check may compare bcrypt
// hashes, which a blocked client must not get for free: then, as with every other store,
// the brake is asked first (braked).
func (a *authority) issue(ctx context.Context, account string, costly bool, check func() (grant, *failure)) (issued, *failure) {
	if at := a.brake.attempts; at != nil && !costly {
		return a.attempt(ctx, at, account, check)
	}
	return a.braked(ctx, account, func() (issued, *failure) {
		g, f := check()
		if f != nil {
			return issued{}, f
		}
		return a.open(ctx, g)
	})
}

// braked runs attempt, a check of a secret, behind the brute-force brake for account.
func (a *authority) braked(ctx context.Context, account string, attempt func() (issued, *failure)) (issued, *failure) {
	client := exchangeFrom(ctx).client
	recorded, f := a.brake.admit(ctx, account, client)
	if f != nil {
		return issued{}, f
	}
	t, f := attempt()
	return t, a.brake.record(ctx, account, client, recorded, f)
}

// attempt is issue with one-step attempts: the answers are braked's (429 while blocked, with
// the right secret too; only wrong secrets count), in one round trip to a shared store.
func (a *authority) attempt(ctx context.Context, at Attempts, account string, check func() (grant, *failure)) (issued, *failure) {
	client := exchangeFrom(ctx).client
	g, f := check()
	if f == nil {
		now := a.clock.Now()
		id, s := a.session(g, now)
		wait, err := at.Open(ctx, account, client, id, &s)
		if err != nil {
			return issued{}, addFailure(err)
		}
		if wait > 0 {
			return issued{}, tooManyFailures(wait)
		}
		return a.sign(ctx, g, id, s, time.Unix(0, s.IssuedAt))
	}
	var wait time.Duration
	var err error
	if guessed(f.code) {
		wait, err = at.Fail(ctx, account, client)
	} else {
		wait, err = at.Ask(ctx, account, client)
	}
	if err != nil {
		return issued{}, countsFailure(err)
	}
	if wait > 0 {
		return issued{}, tooManyFailures(wait)
	}
	return issued{}, f
}

func (a *authority) login(ctx context.Context, organisation, username, password string, unit *string) (issued, *failure) {
	return a.issue(ctx, loginAccount(organisation, username), a.directory.Load().hashesPasswords(), func() (grant, *failure) {
		return a.checkLogin(organisation, username, password, unit)
	})
}

func (a *authority) webAPIKeyToken(ctx context.Context, key string, unit *string) (issued, *failure) {
	// Keys are looked up by their SHA-256, never bcrypt: always cheap to check.
	return a.issue(ctx, keyAccount(key), false, func() (grant, *failure) {
		return a.checkWebAPIKey(key, unit)
	})
}

func (a *authority) consumerToken(ctx context.Context, key string, id accessTokenIdentifier, unit *string) (issued, *failure) {
	return a.issue(ctx, keyAccount(key), a.directory.Load().hashesAccessTokens(key), func() (grant, *failure) {
		return a.checkConsumer(key, id, unit)
	})
}

// hashesPasswords reports whether a login's check may compare a bcrypt hash: the decoy an
// unknown user is compared with is one exactly when some user's password is.
func (d *directory) hashesPasswords() bool { return d.decoy.bcryptHash != nil }

// hashesAccessTokens reports whether a consumer token's check under key may compare a bcrypt
// hash (an unknown key compares nothing).
func (d *directory) hashesAccessTokens(key string) bool {
	k := d.consumerKey(key)
	if k == nil {
		return false
	}
	for _, t := range k.accessTokens {
		if t.passCode.bcryptHash != nil || t.code != nil && t.code.bcryptHash != nil {
			return true
		}
	}
	return false
}

func (a *authority) checkLogin(organisation, username, password string, unit *string) (grant, *failure) {
	u := a.directory.Load().user(organisation, username, password)
	if u == nil {
		return grant{}, fail(gen.ErrorCodeInvalidCredentials, "login failed")
	}
	chosen, ok := u.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit)
	}
	c := claims{Username: u.username, Organisation: u.organisation, Unit: chosen}
	if a.loginFixed > 0 {
		return grant{sessions.MethodLogin, c, a.loginFixed, false}, nil
	}
	return grant{sessions.MethodLogin, c, a.loginIdle, true}, nil
}

func (a *authority) checkWebAPIKey(key string, unit *string) (grant, *failure) {
	k := a.directory.Load().webAPIKey(key)
	if k == nil {
		return grant{}, fail(gen.ErrorCodeInvalidKey, "unknown key")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit)
	}
	return grant{sessions.MethodWebAPIKey, claims{Username: k.user, Organisation: k.organisation, Unit: chosen}, a.keyLifetime, false}, nil
}

func (a *authority) checkConsumer(key string, id accessTokenIdentifier, unit *string) (grant, *failure) {
	k := a.directory.Load().consumerKey(key)
	if k == nil {
		return grant{}, fail(gen.ErrorCodeInvalidKey, "unknown key")
	}
	t := k.accessToken(id.authenticationCode, id.identifier, id.passCode)
	if t == nil {
		return grant{}, fail(gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches the identifier given")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit)
	}
	c := claims{
		Contact:            t.contact,
		Username:           k.user,
		Organisation:       k.organisation,
		AccountsReceivable: t.accountsReceivable,
		Unit:               chosen,
	}
	return grant{sessions.MethodConsumerApplicationKey, c, a.keyLifetime, false}, nil
}

func unitNotAllowed(unit string) *failure {
	return fail(gen.ErrorCodeUnitNotAllowed, fmt.Sprintf("unit %q is not allowed", unit))
}

// open starts g's session and signs its token. A session with Idle 0 (key tokens; login
// tokens with LoginExpiryFixed) is never extended by a use.
func (a *authority) open(ctx context.Context, g grant) (issued, *failure) {
	now := a.clock.Now()
	id, s := a.session(g, now)
	if err := a.sessions.Add(ctx, id, s); err != nil {
		return issued{}, addFailure(err)
	}
	return a.sign(ctx, g, id, s, now)
}

// session is g's new session, issued now.
func (a *authority) session(g grant, now time.Time) (sessions.ID, sessions.Session) {
	t := now.UnixNano()
	s := sessions.Session{Method: g.method, Holder: a.holder(&g.claims), IssuedAt: t, LastUse: t, Deadline: now.Add(g.lifetime).UnixNano()}
	if g.idle {
		s.Idle = g.lifetime
	}
	return sessions.NewID(), s
}

// sign signs the token of session id, stored; a token that cannot be signed ends it.
func (a *authority) sign(ctx context.Context, g grant, id sessions.ID, s sessions.Session, now time.Time) (issued, *failure) {
	noteHolder(ctx, s.Holder)
	token, err := a.signer.sign(g.claims, id, now, g.lifetime)
	if err != nil {
		_, _ = a.sessions.End(ctx, id, now, sessions.StateReleased)
		return issued{}, fail(gen.ErrorCodeInternalError, "internal error")
	}
	return issued{token: token, id: id}, nil
}

// addFailure answers a session that could not be stored.
func addFailure(err error) *failure {
	if errors.Is(err, sessions.ErrLimit) {
		return &failure{code: gen.ErrorCodeServiceUnavailable, message: sessions.ErrLimit.Error() + "; release unused tokens", retryAfter: time.Minute}
	}
	return storeFailure(err)
}

// holder is the shared Holder for the claims' holder: the directory names a few holders, and
// a million sessions of them cost a pointer each.
func (a *authority) holder(c *claims) *sessions.Holder {
	h := sessions.Holder{Username: c.Username, Organisation: c.Organisation, Unit: c.Unit,
		Contact: c.Contact, AccountsReceivable: c.AccountsReceivable}
	// A map under a read lock, not a sync.Map: looking a struct key up in a sync.Map boxes it,
	// one allocation on every call (every release and token check names its holder for the
	// journal); a plain map lookup allocates nothing.
	a.holdersMu.RLock()
	p := a.holders[h]
	a.holdersMu.RUnlock()
	if p != nil {
		return p
	}
	a.holdersMu.Lock()
	defer a.holdersMu.Unlock()
	if p = a.holders[h]; p == nil {
		if a.holders == nil {
			a.holders = map[sessions.Holder]*sessions.Holder{}
		}
		p = new(sessions.Holder) // not &h: h would then live on the heap on every call
		*p = h
		a.holders[h] = p
	}
	return p
}

// storeRetryAfter is how long a client is asked to wait when the session store cannot be asked.
const storeRetryAfter = time.Second

// storeFailure answers a session store that could not be asked (a networked store that is down
// or slow): 503, never a state the session is not known to be in.
func storeFailure(error) *failure {
	return &failure{code: gen.ErrorCodeServiceUnavailable, message: "the session store is unavailable; try again shortly", retryAfter: storeRetryAfter}
}

// release ends the token's session.
func (a *authority) release(ctx context.Context, token string) (sessions.ID, *failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return sessions.ID{}, fail(gen.ErrorCodeInvalidToken, err.Error())
	}
	noteHolder(ctx, a.holder(c))
	now := a.clock.Now()
	state, err := a.sessions.End(ctx, id, now, sessions.StateReleased)
	if err != nil {
		return id, storeFailure(err)
	}
	return id, sessionFailure(state, c, a.after(state, now))
}

// check is the token check behind CheckToken: a live, unreleased, correctly signed token,
// whose use restarts a login token's idle time.
func (a *authority) check(ctx context.Context, token string) (TokenInfo, *failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return TokenInfo{}, fail(gen.ErrorCodeInvalidToken, err.Error())
	}
	noteHolder(ctx, a.holder(c))
	now := a.clock.Now()
	state, err := a.sessions.Use(ctx, id, now)
	if err != nil {
		return TokenInfo{}, storeFailure(err)
	}
	if f := sessionFailure(state, c, a.after(state, now)); f != nil {
		return TokenInfo{}, f
	}
	return tokenInfo(c), nil
}

// after is the time to judge an unknown session's token by, once the store has answered: a
// store whose clock is shared (redisstate) decides with the shared time and brings the
// stub's clock up to date with it, so the clock is read again; other states need no time.
func (a *authority) after(state sessions.State, now time.Time) time.Time {
	if state == sessions.StateUnknown {
		return a.clock.Now()
	}
	return now
}

// sessionFailure turns a session's state into the answer for its token; nil for a live one.
// A session the store no longer knows is judged by the token's own exp claim: sessions are
// forgotten some time after they end, and a token from before a restart is simply unknown.
func sessionFailure(state sessions.State, c *claims, now time.Time) *failure {
	switch state {
	case sessions.StateLive:
		return nil
	case sessions.StateReleased:
		return fail(gen.ErrorCodeInvalidToken, "token has been released")
	case sessions.StateExpired:
		return fail(gen.ErrorCodeTokenExpired, "token expired")
	}
	if !now.Before(c.ExpiresAt.time()) {
		return fail(gen.ErrorCodeTokenExpired, "token expired")
	}
	return fail(gen.ErrorCodeInvalidToken, "token is unknown to this server")
}
