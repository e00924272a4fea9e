package authority

import (
	"crypto/rand"
	"crypto/sha256"

	"golang.org/x/crypto/bcrypt"
)

// directory is the fixtures compiled for lookups: who a login, a key or an access token
// identifier belongs to. It is read-only after start, so it needs no lock.
type directory struct {
	users        map[string]*userEntry // organisation + "\x00" + username
	webAPIKeys   map[[sha256.Size]byte]*keyEntry
	consumerKeys map[[sha256.Size]byte]*consumerKeyEntry
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
		users:        make(map[string]*userEntry, len(f.Users)),
		webAPIKeys:   make(map[[sha256.Size]byte]*keyEntry, len(f.WebAPIKeys)),
		consumerKeys: make(map[[sha256.Size]byte]*consumerKeyEntry, len(f.ConsumerApplicationKeys)),
	}
	decoyCost := 0
	for _, u := range f.Users {
		d.users[u.Organisation+"\x00"+u.Username] = &userEntry{
			username:     u.Username,
			organisation: u.Organisation,
			password:     newSecret(u.Password),
			units:        units{u.DefaultUnit, u.Units},
		}
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
	for _, k := range f.WebAPIKeys {
		d.webAPIKeys[keyDigest(k.Key)] = &keyEntry{k.Organisation, k.User, units{k.DefaultUnit, k.Units}}
	}
	for _, k := range f.ConsumerApplicationKeys {
		e := &consumerKeyEntry{keyEntry: keyEntry{k.Organisation, k.User, units{k.DefaultUnit, k.Units}}}
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

// user returns the user for the credentials, or nil. Unknown user, wrong organisation and
// wrong password are not told apart, and take the same time.
func (d *directory) user(organisation, username, password string) *userEntry {
	u, ok := d.users[organisation+"\x00"+username]
	if !ok {
		d.decoy.matches(password)
		return nil
	}
	if !u.password.matches(password) {
		return nil
	}
	return u
}

func (d *directory) webAPIKey(key string) *keyEntry { return d.webAPIKeys[keyDigest(key)] }

func (d *directory) consumerKey(key string) *consumerKeyEntry {
	return d.consumerKeys[keyDigest(key)]
}

// accessToken finds the consumer's access token. When both ways of identifying it are given,
// both must point at the same access token.
func (k *consumerKeyEntry) accessToken(code, identifier, passCode *string) *accessTokenEntry {
	var byCode, byIdentifier *accessTokenEntry
	for i := range k.accessTokens {
		t := &k.accessTokens[i]
		// Every candidate is compared, matched or not, so timing does not say which one matched.
		if code != nil && t.code != nil && t.code.matches(*code) && byCode == nil {
			byCode = t
		}
		if identifier != nil && passCode != nil && t.identifier == *identifier && t.passCode.matches(*passCode) && byIdentifier == nil {
			byIdentifier = t
		}
	}
	switch {
	case code != nil && identifier != nil:
		if byCode != nil && byCode == byIdentifier {
			return byCode
		}
		return nil
	case code != nil:
		return byCode
	default:
		return byIdentifier
	}
}
