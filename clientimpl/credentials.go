package clientimpl

import (
	"context"
	"fmt"
	"strings"
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

// redacted shows whether a secret is set without showing it.
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

func (l Login) String() string {
	return fmt.Sprintf("Login{Username: %q, Password: %s, Organisation: %q, Unit: %q}",
		l.Username, redacted(l.Password), l.Organisation, l.Unit)
}

// GoString keeps %#v from printing the password.
func (l Login) GoString() string { return l.String() }

func (k WebAPIKey) String() string {
	return fmt.Sprintf("WebAPIKey{Key: %s, Unit: %q}", redacted(k.Key), k.Unit)
}

// GoString keeps %#v from printing the key.
func (k WebAPIKey) GoString() string { return k.String() }

func (k ConsumerApplicationKey) String() string {
	return fmt.Sprintf("ConsumerApplicationKey{Key: %s, AccessTokenIdentifier: %s, Unit: %q}",
		redacted(k.Key), k.AccessTokenIdentifier, k.Unit)
}

// GoString keeps %#v from printing the key.
func (k ConsumerApplicationKey) GoString() string { return k.String() }

func (id AccessTokenIdentifier) String() string {
	return fmt.Sprintf("{AuthenticationCode: %s, Identifier: %q, PassCode: %s}",
		redacted(id.AuthenticationCode), id.Identifier, redacted(id.PassCode))
}

// GoString keeps %#v from printing the codes.
func (id AccessTokenIdentifier) GoString() string { return id.String() }
