package authority

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/crmcom-community/crmauth/internal/redact"
)

// The types that hold a secret (a fixture's password, key, pass code or authentication code,
// the signing secret) print without it under every printer: fmt's verbs (Format), slog's
// handlers (LogValue) and encoding/json (MarshalJSON), also when nested in another value. A
// secret that is set shows as [REDACTED], an empty one as "". YAML (LoadFixtures) reads them as
// before; nothing in the stub marshals them to send them.

// SigningSecret is Options.Secret, the HS256 signing secret: a []byte that prints as
// [REDACTED]. Use it as any []byte (Options{Secret: []byte("…")}).
type SigningSecret []byte

func (s SigningSecret) String() string             { return redact.Quoted(string(s)) }
func (s SigningSecret) GoString() string           { return s.String() }
func (s SigningSecret) Format(f fmt.State, r rune) { redact.Format(f, r, s.String()) }
func (s SigningSecret) LogValue() slog.Value       { return slog.StringValue(redact.Mask(string(s))) }
func (s SigningSecret) MarshalJSON() ([]byte, error) {
	return json.Marshal(redact.Mask(string(s)))
}

func (u User) String() string {
	return fmt.Sprintf("User{Username: %q, Password: %s, Organisation: %q, DefaultUnit: %q, Units: %q}",
		u.Username, redact.Quoted(u.Password), u.Organisation, u.DefaultUnit, u.Units)
}
func (u User) GoString() string           { return u.String() }
func (u User) Format(f fmt.State, r rune) { redact.Format(f, r, u.String()) }
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", u.Username), slog.String("password", redact.Mask(u.Password)),
		slog.String("organisation", u.Organisation), slog.String("default_unit", u.DefaultUnit), slog.Any("units", u.Units))
}
func (u User) MarshalJSON() ([]byte, error) {
	type plain User // the fields, without these methods
	p := plain(u)
	p.Password = redact.Mask(p.Password)
	return json.Marshal(p)
}

func (k WebAPIKey) String() string {
	return fmt.Sprintf("WebAPIKey{Key: %s, Organisation: %q, User: %q, DefaultUnit: %q, Units: %q}",
		redact.Quoted(k.Key), k.Organisation, k.User, k.DefaultUnit, k.Units)
}
func (k WebAPIKey) GoString() string           { return k.String() }
func (k WebAPIKey) Format(f fmt.State, r rune) { redact.Format(f, r, k.String()) }
func (k WebAPIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", redact.Mask(k.Key)), slog.String("organisation", k.Organisation),
		slog.String("user", k.User), slog.String("default_unit", k.DefaultUnit), slog.Any("units", k.Units))
}
func (k WebAPIKey) MarshalJSON() ([]byte, error) {
	type plain WebAPIKey
	p := plain(k)
	p.Key = redact.Mask(p.Key)
	return json.Marshal(p)
}

func (k ConsumerApplicationKey) String() string {
	tokens := "["
	for i, t := range k.AccessTokens {
		if i > 0 {
			tokens += " "
		}
		tokens += t.String()
	}
	return fmt.Sprintf("ConsumerApplicationKey{Key: %s, Organisation: %q, User: %q, DefaultUnit: %q, Units: %q, AccessTokens: %s]}",
		redact.Quoted(k.Key), k.Organisation, k.User, k.DefaultUnit, k.Units, tokens)
}
func (k ConsumerApplicationKey) GoString() string           { return k.String() }
func (k ConsumerApplicationKey) Format(f fmt.State, r rune) { redact.Format(f, r, k.String()) }
func (k ConsumerApplicationKey) LogValue() slog.Value {
	// The access tokens print through their own Format (TextHandler) and MarshalJSON
	// (JSONHandler).
	return slog.GroupValue(slog.String("key", redact.Mask(k.Key)), slog.String("organisation", k.Organisation),
		slog.String("user", k.User), slog.String("default_unit", k.DefaultUnit), slog.Any("units", k.Units),
		slog.Any("access_tokens", k.AccessTokens))
}
func (k ConsumerApplicationKey) MarshalJSON() ([]byte, error) {
	type plain ConsumerApplicationKey // AccessTokens keep their own MarshalJSON
	p := plain(k)
	p.Key = redact.Mask(p.Key)
	return json.Marshal(p)
}

func (t AccessToken) String() string {
	return fmt.Sprintf("AccessToken{AuthenticationCode: %s, Identifier: %q, PassCode: %s, Contact: %q, AccountsReceivable: %q}",
		redact.Quoted(t.AuthenticationCode), t.Identifier, redact.Quoted(t.PassCode), t.Contact, t.AccountsReceivable)
}
func (t AccessToken) GoString() string           { return t.String() }
func (t AccessToken) Format(f fmt.State, r rune) { redact.Format(f, r, t.String()) }
func (t AccessToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("authentication_code", redact.Mask(t.AuthenticationCode)),
		slog.String("identifier", t.Identifier), slog.String("pass_code", redact.Mask(t.PassCode)),
		slog.String("contact", t.Contact), slog.String("accounts_receivable", t.AccountsReceivable))
}
func (t AccessToken) MarshalJSON() ([]byte, error) {
	type plain AccessToken
	p := plain(t)
	p.AuthenticationCode, p.PassCode = redact.Mask(p.AuthenticationCode), redact.Mask(p.PassCode)
	return json.Marshal(p)
}
