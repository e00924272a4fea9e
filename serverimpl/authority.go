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

func (a *authority) login(ctx context.Context, organisation, username, password string, unit *string) (issued, *failure) {
	return a.braked(ctx, loginAccount(organisation, username), func() (issued, *failure) {
		return a.checkLogin(ctx, organisation, username, password, unit)
	})
}

func (a *authority) webAPIKeyToken(ctx context.Context, key string, unit *string) (issued, *failure) {
	return a.braked(ctx, keyAccount(key), func() (issued, *failure) {
		return a.checkWebAPIKey(ctx, key, unit)
	})
}

func (a *authority) consumerToken(ctx context.Context, key string, id accessTokenIdentifier, unit *string) (issued, *failure) {
	return a.braked(ctx, keyAccount(key), func() (issued, *failure) {
		return a.checkConsumer(ctx, key, id, unit)
	})
}

func (a *authority) checkLogin(ctx context.Context, organisation, username, password string, unit *string) (issued, *failure) {
	u := a.directory.Load().user(organisation, username, password)
	if u == nil {
		return issued{}, fail(gen.ErrorCodeInvalidCredentials, "login failed")
	}
	chosen, ok := u.units.choose(unit)
	if !ok {
		return issued{}, unitNotAllowed(*unit)
	}
	c := claims{Username: u.username, Organisation: u.organisation, Unit: chosen}
	if a.loginFixed > 0 {
		return a.open(ctx, sessions.MethodLogin, c, a.loginFixed, false)
	}
	return a.open(ctx, sessions.MethodLogin, c, a.loginIdle, true)
}

func (a *authority) checkWebAPIKey(ctx context.Context, key string, unit *string) (issued, *failure) {
	k := a.directory.Load().webAPIKey(key)
	if k == nil {
		return issued{}, fail(gen.ErrorCodeInvalidKey, "unknown key")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return issued{}, unitNotAllowed(*unit)
	}
	return a.open(ctx, sessions.MethodWebAPIKey, claims{Username: k.user, Organisation: k.organisation, Unit: chosen}, a.keyLifetime, false)
}

func (a *authority) checkConsumer(ctx context.Context, key string, id accessTokenIdentifier, unit *string) (issued, *failure) {
	k := a.directory.Load().consumerKey(key)
	if k == nil {
		return issued{}, fail(gen.ErrorCodeInvalidKey, "unknown key")
	}
	t := k.accessToken(id.authenticationCode, id.identifier, id.passCode)
	if t == nil {
		return issued{}, fail(gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches the identifier given")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return issued{}, unitNotAllowed(*unit)
	}
	c := claims{
		Contact:            t.contact,
		Username:           k.user,
		Organisation:       k.organisation,
		AccountsReceivable: t.accountsReceivable,
		Unit:               chosen,
	}
	return a.open(ctx, sessions.MethodConsumerApplicationKey, c, a.keyLifetime, false)
}

func unitNotAllowed(unit string) *failure {
	return fail(gen.ErrorCodeUnitNotAllowed, fmt.Sprintf("unit %q is not allowed", unit))
}

// open starts a session and signs its token. idle says whether the lifetime is idle time
// (login tokens, LoginExpiryIdle) or fixed from issue (key tokens; login tokens with
// LoginExpiryFixed): a session with Idle 0 is never extended by a use.
func (a *authority) open(ctx context.Context, method sessions.Method, c claims, lifetime time.Duration, idle bool) (issued, *failure) {
	now := a.clock.Now()
	id := sessions.NewID()
	t := now.UnixNano()
	s := sessions.Session{Method: method, Holder: a.holder(&c), IssuedAt: t, LastUse: t, Deadline: now.Add(lifetime).UnixNano()}
	if idle {
		s.Idle = lifetime
	}
	if err := a.sessions.Add(ctx, id, s); err != nil {
		if errors.Is(err, sessions.ErrLimit) {
			return issued{}, &failure{code: gen.ErrorCodeServiceUnavailable, message: sessions.ErrLimit.Error() + "; release unused tokens", retryAfter: time.Minute}
		}
		return issued{}, storeFailure(err)
	}
	noteHolder(ctx, s.Holder)
	token, err := a.signer.sign(c, id, now, lifetime)
	if err != nil {
		_, _ = a.sessions.End(ctx, id, now, sessions.StateReleased)
		return issued{}, fail(gen.ErrorCodeInternalError, "internal error")
	}
	return issued{token: token, id: id}, nil
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
	return id, sessionFailure(state, c, now)
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
	if f := sessionFailure(state, c, now); f != nil {
		return TokenInfo{}, f
	}
	return tokenInfo(c), nil
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
