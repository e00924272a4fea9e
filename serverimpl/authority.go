package serverimpl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

// authority is the four methods as plain Go, below HTTP: it checks credentials against the
// directory, opens and ends sessions, and signs tokens. Handlers only translate.
type authority struct {
	directory   *directory
	sessions    SessionStore
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
	id    SessionID
}

// accessTokenIdentifier is the consumer method's access_token_identifier, already shaped.
type accessTokenIdentifier struct {
	authenticationCode, identifier, passCode *string
}

// braked runs attempt, a check of a secret, behind the brute-force brake for account.
func (a *authority) braked(ctx context.Context, account string, attempt func() (issued, *failure)) (issued, *failure) {
	client := exchangeFrom(ctx).client
	if f := a.brake.admit(account, client); f != nil {
		return issued{}, f
	}
	t, f := attempt()
	a.brake.record(account, client, f)
	return t, f
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
	u := a.directory.user(organisation, username, password)
	if u == nil {
		return issued{}, fail(gen.ErrorCodeInvalidCredentials, "login failed")
	}
	chosen, ok := u.units.choose(unit)
	if !ok {
		return issued{}, unitNotAllowed(*unit)
	}
	c := claims{Username: u.username, Organisation: u.organisation, Unit: chosen}
	if a.loginFixed > 0 {
		return a.open(ctx, c, a.loginFixed, false)
	}
	return a.open(ctx, c, a.loginIdle, true)
}

func (a *authority) checkWebAPIKey(ctx context.Context, key string, unit *string) (issued, *failure) {
	k := a.directory.webAPIKey(key)
	if k == nil {
		return issued{}, fail(gen.ErrorCodeInvalidKey, "unknown key")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return issued{}, unitNotAllowed(*unit)
	}
	return a.open(ctx, claims{Username: k.user, Organisation: k.organisation, Unit: chosen}, a.keyLifetime, false)
}

func (a *authority) checkConsumer(ctx context.Context, key string, id accessTokenIdentifier, unit *string) (issued, *failure) {
	k := a.directory.consumerKey(key)
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
	return a.open(ctx, c, a.keyLifetime, false)
}

func unitNotAllowed(unit string) *failure {
	return fail(gen.ErrorCodeUnitNotAllowed, fmt.Sprintf("unit %q is not allowed", unit))
}

// open starts a session and signs its token. idle says whether the lifetime is idle time
// (login tokens, LoginExpiryIdle) or fixed from issue (key tokens; login tokens with
// LoginExpiryFixed): a session with Idle 0 is never extended by a use.
func (a *authority) open(_ context.Context, c claims, lifetime time.Duration, idle bool) (issued, *failure) {
	now := a.clock.Now()
	id := newSessionID()
	s := Session{Deadline: now.Add(lifetime).UnixNano()}
	if idle {
		s.Idle = lifetime
	}
	if err := a.sessions.Add(id, s, now); err != nil {
		if errors.Is(err, ErrSessionLimit) {
			return issued{}, &failure{code: gen.ErrorCodeServiceUnavailable, message: ErrSessionLimit.Error() + "; release unused tokens", retryAfter: time.Minute}
		}
		return issued{}, fail(gen.ErrorCodeInternalError, "internal error")
	}
	token, err := a.signer.sign(c, id, now, lifetime)
	if err != nil {
		a.sessions.Release(id, now)
		return issued{}, fail(gen.ErrorCodeInternalError, "internal error")
	}
	return issued{token: token, id: id}, nil
}

// release ends the token's session.
func (a *authority) release(token string) (SessionID, *failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return id, fail(gen.ErrorCodeInvalidToken, err.Error())
	}
	now := a.clock.Now()
	return id, sessionFailure(a.sessions.Release(id, now), c, now)
}

// check is the token check behind CheckToken: a live, unreleased, correctly signed token,
// whose use restarts a login token's idle time.
func (a *authority) check(token string) (TokenInfo, *failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return TokenInfo{}, fail(gen.ErrorCodeInvalidToken, err.Error())
	}
	now := a.clock.Now()
	if f := sessionFailure(a.sessions.Use(id, now), c, now); f != nil {
		return TokenInfo{}, f
	}
	return tokenInfo(c), nil
}

// sessionFailure turns a session's state into the answer for its token; nil for a live one.
// A session the store no longer knows is judged by the token's own exp claim: sessions are
// forgotten some time after they end, and a token from before a restart is simply unknown.
func sessionFailure(state SessionState, c *claims, now time.Time) *failure {
	switch state {
	case SessionLive:
		return nil
	case SessionReleased:
		return fail(gen.ErrorCodeInvalidToken, "token has been released")
	case SessionExpired:
		return fail(gen.ErrorCodeTokenExpired, "token expired")
	}
	if !now.Before(c.ExpiresAt.time()) {
		return fail(gen.ErrorCodeTokenExpired, "token expired")
	}
	return fail(gen.ErrorCodeInvalidToken, "token is unknown to this server")
}
