package authority

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// directory is the fixtures compiled for lookups: who a login, a key or an access token
// identifier belongs to. It is read-only after start, so it needs no lock.
type directory struct {
	users        map[string]*userEntry // organisation + "\x00" + username
	webAPIKeys   map[[sha256.Size]byte]*keyEntry
	consumerKeys map[[sha256.Size]byte]*consumerKeyEntry
	// organisations are those of the users, for a login's reason (unknown organisation).
	organisations map[string]bool
	// decoy is compared against when the user is unknown, so an unknown user costs the same
	// time as a wrong password (no user enumeration by timing).
	decoy secret
}

// units is what a user or key may log in to.
type units struct {
	defaultUnit string
	allowed     []string
}

// choose picks the unit for a request: the default when none is asked for.
func (u units) choose(requested *string) (string, bool) {
	if requested == nil {
		return u.defaultUnit, true
	}
	if *requested == u.defaultUnit {
		return u.defaultUnit, true
	}
	for _, a := range u.allowed {
		if a == *requested {
			return a, true
		}
	}
	return "", false
}

type userEntry struct {
	username     string
	organisation string
	password     secret
	units        units
}

type keyEntry struct {
	organisation string
	user         string
	units        units
	// name says which key of the fixtures this is without the key: "Web API key #1
	// (maytemplate@ps_dev)", for reasons.
	name string
}

type consumerKeyEntry struct {
	keyEntry
	accessTokens []accessTokenEntry
}

type accessTokenEntry struct {
	code               *secret
	identifier         string
	passCode           secret
	contact            string
	accountsReceivable string
}

func compileDirectory(f *Fixtures) (*directory, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	d := &directory{
		users:         make(map[string]*userEntry, len(f.Users)),
		webAPIKeys:    make(map[[sha256.Size]byte]*keyEntry, len(f.WebAPIKeys)),
		consumerKeys:  make(map[[sha256.Size]byte]*consumerKeyEntry, len(f.ConsumerApplicationKeys)),
		organisations: map[string]bool{},
	}
	decoyCost := 0
	for _, u := range f.Users {
		d.users[u.Organisation+"\x00"+u.Username] = &userEntry{
			username:     u.Username,
			organisation: u.Organisation,
			password:     newSecret(u.Password),
			units:        units{u.DefaultUnit, u.Units},
		}
		d.organisations[u.Organisation] = true
		if isBcrypt(u.Password) && decoyCost == 0 {
			decoyCost, _ = bcrypt.Cost([]byte(u.Password))
		}
	}
	random := rand.Text()
	d.decoy = newSecret(random)
	if decoyCost > 0 {
		hash, err := bcrypt.GenerateFromPassword([]byte(random), decoyCost)
		if err != nil {
			return nil, err
		}
		d.decoy = newSecret(string(hash))
	}
	for i, k := range f.WebAPIKeys {
		d.webAPIKeys[keyDigest(k.Key)] = &keyEntry{k.Organisation, k.User, units{k.DefaultUnit, k.Units},
			fmt.Sprintf("Web API key #%d (%s)", i+1, holderName(k.User, k.Organisation))}
	}
	for i, k := range f.ConsumerApplicationKeys {
		e := &consumerKeyEntry{keyEntry: keyEntry{k.Organisation, k.User, units{k.DefaultUnit, k.Units},
			fmt.Sprintf("consumer application key #%d (%s)", i+1, holderName(k.User, k.Organisation))}}
		for _, t := range k.AccessTokens {
			at := accessTokenEntry{
				identifier:         t.Identifier,
				passCode:           newSecret(t.PassCode),
				contact:            t.Contact,
				accountsReceivable: t.AccountsReceivable,
			}
			if t.AuthenticationCode != "" {
				code := newSecret(t.AuthenticationCode)
				at.code = &code
			}
			e.accessTokens = append(e.accessTokens, at)
		}
		d.consumerKeys[keyDigest(k.Key)] = e
	}
	return d, nil
}

// user returns the user for the credentials, or nil and the reason for the journal. Unknown
// user, wrong organisation and wrong password take the same time, and are answered alike;
// only the reason tells them apart.
func (d *directory) user(organisation, username, password string) (*userEntry, *Failure) {
	u, ok := d.users[organisation+"\x00"+username]
	if !ok {
		d.decoy.matches(password)
		f := loginFailed()
		if !d.organisations[organisation] {
			return nil, f.because("unknown organisation %s (no user of the fixtures is in it), for the user %s", quote(organisation), quote(username))
		}
		return nil, f.because("unknown user %s in organisation %s", quote(username), quote(organisation))
	}
	if !u.password.matches(password) {
		return nil, loginFailed().because("wrong password for %s", holderName(u.username, u.organisation))
	}
	return u, nil
}

// loginFailed is the one answer to every wrong login, whatever was wrong.
func loginFailed() *Failure { return Fail(CodeInvalidCredentials, "login failed") }

func (d *directory) webAPIKey(key string) *keyEntry { return d.webAPIKeys[keyDigest(key)] }

func (d *directory) consumerKey(key string) *consumerKeyEntry {
	return d.consumerKeys[keyDigest(key)]
}

// accessToken finds the consumer's access token, or says for the journal why none matches.
// When both ways of identifying it are given, both must point at the same access token.
func (k *consumerKeyEntry) accessToken(code, identifier, passCode *string) (*accessTokenEntry, string) {
	var byCode, byIdentifier *accessTokenEntry
	identifierKnown := false
	for i := range k.accessTokens {
		t := &k.accessTokens[i]
		// Every candidate is compared, matched or not, so timing does not say which one matched.
		if code != nil && t.code != nil && t.code.matches(*code) && byCode == nil {
			byCode = t
		}
		if identifier != nil && passCode != nil && t.identifier == *identifier {
			identifierKnown = true
			if t.passCode.matches(*passCode) && byIdentifier == nil {
				byIdentifier = t
			}
		}
	}
	switch {
	case code != nil && byCode == nil:
		return nil, "the authentication code matches no access token of " + k.name
	case identifier != nil && !identifierKnown:
		return nil, "no access token of " + k.name + " has the identifier " + quote(*identifier)
	case identifier != nil && byIdentifier == nil:
		return nil, "wrong pass code for the identifier " + quote(*identifier) + " of " + k.name
	case code != nil && identifier != nil && byCode != byIdentifier:
		return nil, "the authentication code and the identifier " + quote(*identifier) + " name different access tokens of " + k.name
	case code != nil:
		return byCode, ""
	}
	return byIdentifier, ""
}
