package clientimpl

import (
	"context"
	"errors"
	"net/http"

	"github.com/crmcom-community/crmauth/gen"
)

// Login gets a token for a user of an organisation (authentication/token). The token dies
// after an hour of idle time; release it with ReleaseToken when done.
func (c *Client) Login(ctx context.Context, l Login) (Token, error) {
	if err := l.validate(); err != nil {
		return Token{}, err
	}
	body := gen.LoginRequest{Username: l.Username, Password: l.Password, Organisation: l.Organisation, Unit: optional(l.Unit)}
	return c.token(ctx, opLogin, func(ctx context.Context) (*http.Response, error) {
		return c.api.Login(ctx, body)
	})
}

// WebAPIKeyToken gets a token for a Web API key (authentication/web_api_key/token). The
// token dies two hours after issue.
func (c *Client) WebAPIKeyToken(ctx context.Context, k WebAPIKey) (Token, error) {
	if err := k.validate(); err != nil {
		return Token{}, err
	}
	body := gen.WebApiKeyTokenRequest{Unit: optional(k.Unit)}
	return c.token(ctx, opWebAPI, func(ctx context.Context) (*http.Response, error) {
		return c.api.GetWebApiKeyToken(ctx, body, basicAuth(k.Key))
	})
}

// ConsumerApplicationKeyToken gets a token for a consumer application key and a consumer's
// access token identifier (authentication/consumer_application_key/token). The token dies two
// hours after issue and reaches only that consumer's data.
func (c *Client) ConsumerApplicationKeyToken(ctx context.Context, k ConsumerApplicationKey) (Token, error) {
	if err := k.validate(); err != nil {
		return Token{}, err
	}
	id := k.AccessTokenIdentifier
	body := gen.ConsumerApplicationKeyTokenRequest{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{
			AuthenticationCode: optional(id.AuthenticationCode),
			Identifier:         optional(id.Identifier),
			PassCode:           optional(id.PassCode),
		},
		Unit: optional(k.Unit),
	}
	return c.token(ctx, opConsumer, func(ctx context.Context) (*http.Response, error) {
		return c.api.GetConsumerApplicationKeyToken(ctx, body, basicAuth(k.Key))
	})
}

// Token gets a token with any Credentials: a Login, a WebAPIKey or a ConsumerApplicationKey.
func (c *Client) Token(ctx context.Context, creds Credentials) (Token, error) {
	if creds == nil {
		return Token{}, notSent("no credentials")
	}
	return creds.requestToken(ctx, c)
}

// ReleaseToken makes token unusable at once (authentication/token/release). CRM.COM
// recommends releasing tokens that are no longer needed.
//
// The answer's data is not looked at: CRM.COM documents none for this method ("not
// applicable") and its example answer has "data": {}, so {}, null and no data at all are
// accepted alike; only status.code decides.
//
// When an attempt got no answer and the retry is told the token is invalid, the earlier
// attempt must have released it, and ReleaseToken reports success.
func (c *Client) ReleaseToken(ctx context.Context, token string) error {
	if token == "" {
		return notSent("release: token is empty")
	}
	body := gen.ReleaseTokenRequest{Token: token}
	return c.call(ctx, opRelease,
		func(ctx context.Context) (*http.Response, error) { return c.api.ReleaseToken(ctx, body) },
		func(a answer, afterNoAnswer bool) error {
			err := okEnvelope(opRelease, a)
			if afterNoAnswer && errors.Is(err, ErrInvalidToken) {
				return nil
			}
			return err
		})
}

func (c *Client) token(ctx context.Context, op string, send sendFunc) (Token, error) {
	var tok Token
	err := c.call(ctx, op, send, func(a answer, _ bool) error {
		var err error
		tok, err = tokenAnswer(op, a)
		return err
	})
	if err != nil {
		return Token{}, err
	}
	return tok, nil
}

// basicAuth sends key as the HTTP Basic username with an empty password, as CRM.COM expects.
func basicAuth(key string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(key, "")
		return nil
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
