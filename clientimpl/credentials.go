package clientimpl

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/crmcom-community/crmauth/internal/redact"
)

// Credentials are what a TokenSource presents to get a token: a Login, a WebAPIKey or a
// ConsumerApplicationKey. The set is closed; Client.Token accepts any of them.
type Credentials interface {
	// requestToken asks c for a token with these credentials.
	requestToken(ctx context.Context, c *Client) (Token, error)
	// idleExpiring reports whether the tokens these credentials get die after idle time
	// (login tokens) rather than at a fixed time after issue (key tokens).
	idleExpiring() bool
	// validate refuses credentials that cannot work, before anything is sent.
	validate() error
}

// Login is a username, password and organisation (authentication/token). Its tokens die after
// an hour of idle time. Printing a Login never shows the password.
type Login struct {
	Username, Password, Organisation string
	// Unit is the unit to log in to; empty means the user's default unit.
	Unit string
}

// WebAPIKey is a Web API key (authentication/web_api_key/token), sent as the HTTP Basic
// username with an empty password. Its tokens die two hours after issue. Printing a WebAPIKey
// never shows the key.
type WebAPIKey struct {
	Key string
	// Unit is the unit to get a token for; empty means the key's default unit.
	Unit string
}

// ConsumerApplicationKey is a consumer application key plus the consumer's access token
// identifier (authentication/consumer_application_key/token). Its tokens die two hours after
// issue and reach only that consumer's data. Printing it never shows the key or the codes.
type ConsumerApplicationKey struct {
	Key                   string
	AccessTokenIdentifier AccessTokenIdentifier
	// Unit is the unit to get a token for; empty means the key's default unit.
	Unit string
}

// AccessTokenIdentifier identifies a consumer's access token: by AuthenticationCode, or by
// Identifier together with PassCode (or both ways, and then both must match).
type AccessTokenIdentifier struct {
	AuthenticationCode, Identifier, PassCode string
}

func (l Login) requestToken(ctx context.Context, c *Client) (Token, error) { return c.Login(ctx, l) }
func (k WebAPIKey) requestToken(ctx context.Context, c *Client) (Token, error) {
	return c.WebAPIKeyToken(ctx, k)
}
func (k ConsumerApplicationKey) requestToken(ctx context.Context, c *Client) (Token, error) {
	return c.ConsumerApplicationKeyToken(ctx, k)
}

func (Login) idleExpiring() bool                  { return true }
func (WebAPIKey) idleExpiring() bool              { return false }
func (ConsumerApplicationKey) idleExpiring() bool { return false }

// notSent marks a refusal made here, before any request: the error matches ErrInvalidRequest.
func notSent(format string, args ...any) error {
	return fmt.Errorf("%w: %s (nothing was sent)", ErrInvalidRequest, fmt.Sprintf(format, args...))
}

func (l Login) validate() error {
	switch {
	case l.Username == "":
		return notSent("login: username is empty")
	case l.Password == "":
		return notSent("login: password is empty")
	case l.Organisation == "":
		return notSent("login: organisation is empty")
	}
	return nil
}

func validateKey(method, key string) error {
	switch {
	case key == "":
		return notSent("%s: key is empty", method)
	case strings.ContainsAny(key, ":\r\n"):
		// HTTP Basic splits the username at the first colon: such a key cannot be sent.
		return notSent("%s: key contains a colon or a line break", method)
	}
	return nil
}

func (k WebAPIKey) validate() error { return validateKey("web API key", k.Key) }

func (k ConsumerApplicationKey) validate() error {
	if err := validateKey("consumer application key", k.Key); err != nil {
		return err
	}
	id := k.AccessTokenIdentifier
	switch {
	case id.AuthenticationCode == "" && id.Identifier == "":
		return notSent("consumer application key: access token identifier needs an authentication code, or an identifier and a pass code")
	case id.Identifier != "" && id.PassCode == "":
		return notSent("consumer application key: identifier given without a pass code")
	case id.Identifier == "" && id.PassCode != "":
		return notSent("consumer application key: pass code given without an identifier")
	}
	return nil
}

// The credentials print without their secrets under every printer: fmt's verbs (Format),
// slog's handlers (LogValue) and encoding/json (MarshalJSON), also when they are nested in
// another value. A secret that is set shows as [REDACTED], an empty one as "". Request bodies
// are built from the gen types, never by marshalling these.

func (l Login) String() string {
	return fmt.Sprintf("Login{Username: %q, Password: %s, Organisation: %q, Unit: %q}",
		l.Username, redact.Quoted(l.Password), l.Organisation, l.Unit)
}

// GoString keeps %#v from printing the password.
func (l Login) GoString() string { return l.String() }

// Format keeps every fmt verb from printing the password.
func (l Login) Format(f fmt.State, verb rune) { redact.Format(f, verb, l.String()) }

// LogValue keeps slog from printing the password.
func (l Login) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", l.Username), slog.String("password", redact.Mask(l.Password)),
		slog.String("organisation", l.Organisation), slog.String("unit", l.Unit))
}

// MarshalJSON writes the Login with its password as [REDACTED].
func (l Login) MarshalJSON() ([]byte, error) {
	type plain Login // the fields, without these methods
	p := plain(l)
	p.Password = redact.Mask(p.Password)
	return json.Marshal(p)
}

func (k WebAPIKey) String() string {
	return fmt.Sprintf("WebAPIKey{Key: %s, Unit: %q}", redact.Quoted(k.Key), k.Unit)
}

// GoString keeps %#v from printing the key.
func (k WebAPIKey) GoString() string { return k.String() }

// Format keeps every fmt verb from printing the key.
func (k WebAPIKey) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.String()) }

// LogValue keeps slog from printing the key.
func (k WebAPIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", redact.Mask(k.Key)), slog.String("unit", k.Unit))
}

// MarshalJSON writes the WebAPIKey with its key as [REDACTED].
func (k WebAPIKey) MarshalJSON() ([]byte, error) {
	type plain WebAPIKey
	p := plain(k)
	p.Key = redact.Mask(p.Key)
	return json.Marshal(p)
}

func (k ConsumerApplicationKey) String() string {
	return fmt.Sprintf("ConsumerApplicationKey{Key: %s, AccessTokenIdentifier: %s, Unit: %q}",
		redact.Quoted(k.Key), k.AccessTokenIdentifier.String(), k.Unit)
}

// GoString keeps %#v from printing the key.
func (k ConsumerApplicationKey) GoString() string { return k.String() }

// Format keeps every fmt verb from printing the key and the codes.
func (k ConsumerApplicationKey) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.String()) }

// LogValue keeps slog from printing the key and the codes.
func (k ConsumerApplicationKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", redact.Mask(k.Key)),
		slog.Attr{Key: "access_token_identifier", Value: k.AccessTokenIdentifier.LogValue()},
		slog.String("unit", k.Unit))
}

// MarshalJSON writes the ConsumerApplicationKey with its key and codes as [REDACTED].
func (k ConsumerApplicationKey) MarshalJSON() ([]byte, error) {
	type plain ConsumerApplicationKey // AccessTokenIdentifier keeps its own MarshalJSON
	p := plain(k)
	p.Key = redact.Mask(p.Key)
	return json.Marshal(p)
}

func (id AccessTokenIdentifier) String() string {
	return fmt.Sprintf("{AuthenticationCode: %s, Identifier: %q, PassCode: %s}",
		redact.Quoted(id.AuthenticationCode), id.Identifier, redact.Quoted(id.PassCode))
}

// GoString keeps %#v from printing the codes.
func (id AccessTokenIdentifier) GoString() string { return id.String() }

// Format keeps every fmt verb from printing the codes.
func (id AccessTokenIdentifier) Format(f fmt.State, verb rune) { redact.Format(f, verb, id.String()) }

// LogValue keeps slog from printing the codes.
func (id AccessTokenIdentifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("authentication_code", redact.Mask(id.AuthenticationCode)),
		slog.String("identifier", id.Identifier), slog.String("pass_code", redact.Mask(id.PassCode)))
}

// MarshalJSON writes the AccessTokenIdentifier with its codes as [REDACTED].
func (id AccessTokenIdentifier) MarshalJSON() ([]byte, error) {
	type plain AccessTokenIdentifier
	p := plain(id)
	p.AuthenticationCode, p.PassCode = redact.Mask(p.AuthenticationCode), redact.Mask(p.PassCode)
	return json.Marshal(p)
}
