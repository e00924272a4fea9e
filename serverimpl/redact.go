package serverimpl

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// The types that hold a secret (a fixture's password, key, pass code or authentication code,
// the signing secret) print without it under every printer: fmt's verbs (Format), slog's
// handlers (LogValue) and encoding/json (MarshalJSON), also when nested in another value. A
// secret that is set shows as [REDACTED], an empty one as "". YAML (LoadFixtures) reads them as
// before; nothing in the stub marshals them to send them.

// redactedText stands for a secret in everything printed.
const redactedText = "[REDACTED]"

// mask is a secret as printed: [REDACTED] when set, empty when not.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedText
}

// redacted is mask as it reads inside a String: [REDACTED] or "".
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return redactedText
}

// formatRedacted is the Format method of the types that hold a secret: every verb prints the
// type's redacted String (%q quoted), so no verb reaches the fields as they are.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// SigningSecret is Options.Secret, the HS256 signing secret: a []byte that prints as
// [REDACTED]. Use it as any []byte (Options{Secret: []byte("…")}).
type SigningSecret []byte

func (s SigningSecret) String() string             { return redacted(string(s)) }
func (s SigningSecret) GoString() string           { return s.String() }
func (s SigningSecret) Format(f fmt.State, r rune) { formatRedacted(f, r, s.String()) }
func (s SigningSecret) LogValue() slog.Value       { return slog.StringValue(mask(string(s))) }
func (s SigningSecret) MarshalJSON() ([]byte, error) {
	return json.Marshal(mask(string(s)))
}

func (u User) String() string {
	return fmt.Sprintf("User{Username: %q, Password: %s, Organisation: %q, DefaultUnit: %q, Units: %q}",
		u.Username, redacted(u.Password), u.Organisation, u.DefaultUnit, u.Units)
}
func (u User) GoString() string           { return u.String() }
func (u User) Format(f fmt.State, r rune) { formatRedacted(f, r, u.String()) }
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", u.Username), slog.String("password", mask(u.Password)),
		slog.String("organisation", u.Organisation), slog.String("default_unit", u.DefaultUnit), slog.Any("units", u.Units))
}
func (u User) MarshalJSON() ([]byte, error) {
	type plain User // the fields, without these methods
	p := plain(u)
	p.Password = mask(p.Password)
	return json.Marshal(p)
}

func (k WebAPIKey) String() string {
	return fmt.Sprintf("WebAPIKey{Key: %s, Organisation: %q, User: %q, DefaultUnit: %q, Units: %q}",
		redacted(k.Key), k.Organisation, k.User, k.DefaultUnit, k.Units)
}
func (k WebAPIKey) GoString() string           { return k.String() }
func (k WebAPIKey) Format(f fmt.State, r rune) { formatRedacted(f, r, k.String()) }
func (k WebAPIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", mask(k.Key)), slog.String("organisation", k.Organisation),
		slog.String("user", k.User), slog.String("default_unit", k.DefaultUnit), slog.Any("units", k.Units))
}
func (k WebAPIKey) MarshalJSON() ([]byte, error) {
	type plain WebAPIKey
	p := plain(k)
	p.Key = mask(p.Key)
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
		redacted(k.Key), k.Organisation, k.User, k.DefaultUnit, k.Units, tokens)
}
func (k ConsumerApplicationKey) GoString() string           { return k.String() }
func (k ConsumerApplicationKey) Format(f fmt.State, r rune) { formatRedacted(f, r, k.String()) }
func (k ConsumerApplicationKey) LogValue() slog.Value {
	// The access tokens print through their own Format (TextHandler) and MarshalJSON
	// (JSONHandler).
	return slog.GroupValue(slog.String("key", mask(k.Key)), slog.String("organisation", k.Organisation),
		slog.String("user", k.User), slog.String("default_unit", k.DefaultUnit), slog.Any("units", k.Units),
		slog.Any("access_tokens", k.AccessTokens))
}
func (k ConsumerApplicationKey) MarshalJSON() ([]byte, error) {
	type plain ConsumerApplicationKey // AccessTokens keep their own MarshalJSON
	p := plain(k)
	p.Key = mask(p.Key)
	return json.Marshal(p)
}

func (t AccessToken) String() string {
	return fmt.Sprintf("AccessToken{AuthenticationCode: %s, Identifier: %q, PassCode: %s, Contact: %q, AccountsReceivable: %q}",
		redacted(t.AuthenticationCode), t.Identifier, redacted(t.PassCode), t.Contact, t.AccountsReceivable)
}
func (t AccessToken) GoString() string           { return t.String() }
func (t AccessToken) Format(f fmt.State, r rune) { formatRedacted(f, r, t.String()) }
func (t AccessToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("authentication_code", mask(t.AuthenticationCode)),
		slog.String("identifier", t.Identifier), slog.String("pass_code", mask(t.PassCode)),
		slog.String("contact", t.Contact), slog.String("accounts_receivable", t.AccountsReceivable))
}
func (t AccessToken) MarshalJSON() ([]byte, error) {
	type plain AccessToken
	p := plain(t)
	p.AuthenticationCode, p.PassCode = mask(p.AuthenticationCode), mask(p.PassCode)
	return json.Marshal(p)
}

// Format keeps fmt from printing the stub's fields (its options hold the signing secret and
// the fixtures) as they are: unexported fields skip their own Format methods.
func (s *Stub) Format(f fmt.State, r rune) { formatRedacted(f, r, "serverimpl.Stub") }

// Format prints the server by its URL; see Stub.Format.
func (s *Server) Format(f fmt.State, r rune) {
	formatRedacted(f, r, "serverimpl.Server{URL: "+strconv.Quote(s.URL)+"}")
}
