package authority

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// Authority is the four methods as plain Go, below HTTP: it checks credentials against the
// directory, opens and ends sessions, and signs tokens. Handlers only translate: what the
// authority needs from a request (the client's address, for the brake) is an argument, and
// what it learns (the session, who the token speaks for) is in its answer.
type Authority struct {
	directory   atomic.Pointer[directory] // swapped by Reload when the fixtures file is read again
	sessions    sessions.Store
	holdersMu   sync.RWMutex
	holders     map[sessions.Holder]*sessions.Holder // one per holder, shared by its sessions
	signer      *tokenSigner
	clock       clock.Clock
	loginIdle   time.Duration
	loginFixed  time.Duration // > 0: login tokens have this fixed lifetime (LoginExpiryFixed)
	keyLifetime time.Duration
	brake       *brake
}

// Config is what an Authority is built from; New fills in no defaults (package serverimpl does).
type Config struct {
	Fixtures     *Fixtures
	Sessions     sessions.Store
	Secret       []byte
	NumericDates bool // RFC 7519 numeric exp/iat instead of CRM.COM's strings
	Clock        clock.Clock
	LoginIdle    time.Duration // a login token's idle lifetime (LoginExpiryIdle)
	LoginFixed   time.Duration // > 0: login tokens have this fixed lifetime instead
	KeyLifetime  time.Duration
	Throttle     ThrottleOptions // with its defaults filled in (ThrottleOptions.WithDefaults)
	// FailureCounts makes the brake's two counters; nil: in memory (throttle.New).
	FailureCounts func(throttle.Config) throttle.Counter
}

// New compiles the fixtures and builds the authority.
func New(c Config) (*Authority, error) {
	dir, err := compileDirectory(c.Fixtures)
	if err != nil {
		return nil, err
	}
	a := &Authority{
		sessions:    c.Sessions,
		signer:      newTokenSigner(c.Secret, c.NumericDates),
		clock:       c.Clock,
		loginIdle:   c.LoginIdle,
		loginFixed:  c.LoginFixed,
		keyLifetime: c.KeyLifetime,
		brake:       newBrake(c.Throttle, c.FailureCounts, c.Clock, c.Sessions),
	}
	a.directory.Store(dir)
	return a, nil
}

// Sessions is where the authority keeps its sessions.
func (a *Authority) Sessions() sessions.Store { return a.sessions }

// Reload compiles f and answers from it from now on; on an error it keeps the fixtures it had.
func (a *Authority) Reload(f *Fixtures) error {
	d, err := compileDirectory(f)
	if err != nil {
		return err
	}
	a.directory.Store(d)
	return nil
}

// ClearFailures forgets every failure the brake counted, as when the stub is reset.
func (a *Authority) ClearFailures(ctx context.Context) error { return a.brake.clear(ctx) }

// Issued is a token and its session, for the handler's answer and the request log.
type Issued struct {
	Token  string
	ID     sessions.ID
	Holder *sessions.Holder // who the token speaks for; nil when none was issued
}

// AccessTokenIdentifier is the consumer method's access_token_identifier, already shaped.
type AccessTokenIdentifier struct {
	AuthenticationCode, Identifier, PassCode *string
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
func (a *Authority) issue(ctx context.Context, account, client string, costly bool, check func() (grant, *Failure)) (Issued, *Failure) {
	if at := a.brake.attempts; at != nil && !costly {
		return a.attempt(ctx, at, account, client, check)
	}
	return a.braked(ctx, account, client, func() (Issued, *Failure) {
		g, f := check()
		if f != nil {
			return Issued{}, f
		}
		return a.open(ctx, g)
	})
}

// braked runs attempt, a check of a secret, behind the brute-force brake for account.
func (a *Authority) braked(ctx context.Context, account, client string, attempt func() (Issued, *Failure)) (Issued, *Failure) {
	recorded, f := a.brake.admit(ctx, account, client)
	if f != nil {
		return Issued{}, f
	}
	t, f := attempt()
	if f = a.brake.record(ctx, account, client, recorded, f); f != nil && guessed(f.Code) {
		f = a.brake.counted(ctx, account, f)
	}
	return t, f
}

// attempt is issue with one-step attempts: the answers are braked's (429 while blocked, with
// the right secret too; only wrong secrets count), in one round trip to a shared store.
func (a *Authority) attempt(ctx context.Context, at throttle.Attempts, account, client string, check func() (grant, *Failure)) (Issued, *Failure) {
	g, f := check()
	if f == nil {
		now := a.clock.Now()
		id, s := a.session(g, now)
		wait, err := at.Open(ctx, account, client, id, &s)
		if err != nil {
			return Issued{}, addFailure(err)
		}
		if wait > 0 {
			return Issued{}, a.brake.blockedEither(wait, account, client)
		}
		return a.sign(ctx, g, id, s, time.Unix(0, s.IssuedAt))
	}
	var wait time.Duration
	var err error
	if guessed(f.Code) {
		wait, err = at.Fail(ctx, account, client)
	} else {
		wait, err = at.Ask(ctx, account, client)
	}
	if err != nil {
		return Issued{}, countsFailure(err)
	}
	if wait > 0 {
		return Issued{}, a.brake.blockedEither(wait, account, client)
	}
	return Issued{}, a.brake.counted(ctx, account, f)
}

// Login is authentication/token for client (the address the brake counts failures of).
func (a *Authority) Login(ctx context.Context, client, organisation, username, password string, unit *string) (Issued, *Failure) {
	return a.issue(ctx, loginAccount(organisation, username), client, a.directory.Load().hashesPasswords(), func() (grant, *Failure) {
		return a.checkLogin(organisation, username, password, unit)
	})
}

// WebAPIKeyToken is authentication/web_api_key/token for client.
func (a *Authority) WebAPIKeyToken(ctx context.Context, client, key string, unit *string) (Issued, *Failure) {
	// Keys are looked up by their SHA-256, never bcrypt: always cheap to check.
	return a.issue(ctx, keyAccount(key), client, false, func() (grant, *Failure) {
		return a.checkWebAPIKey(key, unit)
	})
}

// ConsumerToken is authentication/consumer_application_key/token for client.
func (a *Authority) ConsumerToken(ctx context.Context, client, key string, id AccessTokenIdentifier, unit *string) (Issued, *Failure) {
	return a.issue(ctx, keyAccount(key), client, a.directory.Load().hashesAccessTokens(key), func() (grant, *Failure) {
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

func (a *Authority) checkLogin(organisation, username, password string, unit *string) (grant, *Failure) {
	u, f := a.directory.Load().user(organisation, username, password)
	if f != nil {
		return grant{}, f
	}
	chosen, ok := u.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit, holderName(u.username, u.organisation), u.units)
	}
	c := claims{Username: u.username, Organisation: u.organisation, Unit: chosen}
	if a.loginFixed > 0 {
		return grant{sessions.MethodLogin, c, a.loginFixed, false}, nil
	}
	return grant{sessions.MethodLogin, c, a.loginIdle, true}, nil
}

func (a *Authority) checkWebAPIKey(key string, unit *string) (grant, *Failure) {
	d := a.directory.Load()
	k := d.webAPIKey(key)
	if k == nil {
		if c := d.consumerKey(key); c != nil {
			return grant{}, unknownKey().because("an unknown Web API key: the key sent is %s, not a Web API key", c.name)
		}
		return grant{}, unknownKey().because("an unknown Web API key: no Web API key of the fixtures is the key sent")
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit, k.name, k.units)
	}
	return grant{sessions.MethodWebAPIKey, claims{Username: k.user, Organisation: k.organisation, Unit: chosen}, a.keyLifetime, false}, nil
}

func (a *Authority) checkConsumer(key string, id AccessTokenIdentifier, unit *string) (grant, *Failure) {
	d := a.directory.Load()
	k := d.consumerKey(key)
	if k == nil {
		if w := d.webAPIKey(key); w != nil {
			return grant{}, unknownKey().because("an unknown consumer application key: the key sent is %s, not a consumer application key", w.name)
		}
		return grant{}, unknownKey().because("an unknown consumer application key: no consumer application key of the fixtures is the key sent")
	}
	t, why := k.accessToken(id.AuthenticationCode, id.Identifier, id.PassCode)
	if t == nil {
		f := Fail(CodeInvalidAccessTokenIdentifier, "no access token matches the identifier given")
		f.Reason = why
		return grant{}, f
	}
	chosen, ok := k.units.choose(unit)
	if !ok {
		return grant{}, unitNotAllowed(*unit, k.name, k.units)
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

// unknownKey is the one answer to every key the fixtures do not hold for the method.
func unknownKey() *Failure { return Fail(CodeInvalidKey, "unknown key") }

// open starts g's session and signs its token. A session with Idle 0 (key tokens; login
// tokens with LoginExpiryFixed) is never extended by a use.
func (a *Authority) open(ctx context.Context, g grant) (Issued, *Failure) {
	now := a.clock.Now()
	id, s := a.session(g, now)
	if err := a.sessions.Add(ctx, id, s); err != nil {
		return Issued{}, addFailure(err)
	}
	return a.sign(ctx, g, id, s, now)
}

// session is g's new session, issued now.
func (a *Authority) session(g grant, now time.Time) (sessions.ID, sessions.Session) {
	t := now.UnixNano()
	s := sessions.Session{Method: g.method, Holder: a.holder(&g.claims), IssuedAt: t, LastUse: t, Deadline: now.Add(g.lifetime).UnixNano()}
	if g.idle {
		s.Idle = g.lifetime
	}
	return sessions.NewID(), s
}

// sign signs the token of session id, stored; a token that cannot be signed ends it.
func (a *Authority) sign(ctx context.Context, g grant, id sessions.ID, s sessions.Session, now time.Time) (Issued, *Failure) {
	token, err := a.signer.sign(g.claims, id, now, g.lifetime)
	if err != nil {
		_, _ = a.sessions.End(ctx, id, now, sessions.StateReleased)
		return Issued{Holder: s.Holder}, Fail(CodeInternalError, "internal error").because("the token could not be signed: %v", err)
	}
	return Issued{Token: token, ID: id, Holder: s.Holder}, nil
}

// addFailure answers a session that could not be stored.
func addFailure(err error) *Failure {
	if errors.Is(err, sessions.ErrLimit) {
		f := &Failure{Code: CodeServiceUnavailable, Message: sessions.ErrLimit.Error() + "; release unused tokens", RetryAfter: time.Minute}
		return f.because("the session store holds as many live sessions as it may (MaxSessions): no new session is opened until one ends")
	}
	return StoreFailure(err)
}

// holder is the shared Holder for the claims' holder: the directory names a few holders, and
// a million sessions of them cost a pointer each.
func (a *Authority) holder(c *claims) *sessions.Holder {
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

// StoreRetryAfter is how long a client is asked to wait when a store cannot be asked.
const StoreRetryAfter = time.Second

// StoreFailure answers a session store that could not be asked (a networked store that is down
// or slow): 503, never a state the session is not known to be in.
func StoreFailure(err error) *Failure {
	f := &Failure{Code: CodeServiceUnavailable, Message: "the session store is unavailable; try again shortly", RetryAfter: StoreRetryAfter}
	return f.because("the session store did not answer: %s", firstLine(err))
}

// firstLine is an error's first line, for a reason.
func firstLine(err error) string {
	if err == nil {
		return "no error given"
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// Release is authentication/token/release: it ends the token's session, and says which
// session and holder the token named (also when it refuses).
func (a *Authority) Release(ctx context.Context, token string) (sessions.ID, *sessions.Holder, *Failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return sessions.ID{}, nil, Fail(CodeInvalidToken, err.Error())
	}
	h := a.holder(c)
	now := a.clock.Now()
	state, err := a.sessions.End(ctx, id, now, sessions.StateReleased)
	if err != nil {
		return id, h, StoreFailure(err)
	}
	if state == sessions.StateLive {
		return id, h, nil
	}
	return id, h, a.sessionFailure(ctx, state, c, id, a.after(state, now))
}

// Check is the token check: a live, unreleased, correctly signed token, whose use restarts a
// login token's idle time. It says who the token speaks for, also when it refuses a token
// that parsed.
func (a *Authority) Check(ctx context.Context, token string) (TokenInfo, *sessions.Holder, *Failure) {
	c, id, err := a.signer.parse(token)
	if err != nil {
		return TokenInfo{}, nil, Fail(CodeInvalidToken, err.Error())
	}
	h := a.holder(c)
	now := a.clock.Now()
	state, err := a.sessions.Use(ctx, id, now)
	if err != nil {
		return TokenInfo{}, h, StoreFailure(err)
	}
	if state != sessions.StateLive {
		return TokenInfo{}, h, a.sessionFailure(ctx, state, c, id, a.after(state, now))
	}
	return tokenInfo(c), h, nil
}

// after is the time to judge an unknown session's token by, once the store has answered: a
// store whose clock is shared (redisstate) decides with the shared time and brings the
// stub's clock up to date with it, so the clock is read again; other states need no time.
func (a *Authority) after(state sessions.State, now time.Time) time.Time {
	if state == sessions.StateUnknown {
		return a.clock.Now()
	}
	return now
}
