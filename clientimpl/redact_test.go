package clientimpl_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/internal/redacttest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestSecretsArePrintedRedacted prints every type that holds a secret (a password, a key, an
// authentication or pass code, a whole token) with every printer: the secret never shows,
// and what identifies the value (the user, or the [REDACTED] mark) does.
func TestSecretsArePrintedRedacted(t *testing.T) {
	const (
		password = "Pw-SECRET-s3cret"
		key      = "KEY-SECRET-EE73C0AE64524371B5DD"
		authCode = "Code-SECRET-p_kestora1!"
		passCode = "Pass-SECRET-4321"
		tokenSig = "SIGNATURE-SECRET-yvRGqFy7dL2H6RcqXOJQtD3zBoWH"
	)
	login := clientimpl.Login{Username: "jdoe", Password: password, Organisation: "ps_dev", Unit: "1"}
	webKey := clientimpl.WebAPIKey{Key: key, Unit: "1"}
	identifier := clientimpl.AccessTokenIdentifier{AuthenticationCode: authCode, Identifier: "card-0001", PassCode: passCode}
	consumerKey := clientimpl.ConsumerApplicationKey{Key: key, AccessTokenIdentifier: identifier, Unit: "1"}
	token := clientimpl.Token{Value: "eyJhbGciOiJIUzI1NiJ9.eyJ1c3IiOiJqZG9lIn0." + tokenSig, Username: "jdoe",
		SessionID: "F586B288048A4100B749E62F47DFC844", Expiry: epoch}

	// A source holding a real token from the real stub.
	s := startStub(t, serverimpl.Options{})
	client, err := clientimpl.New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	source, err := clientimpl.NewTokenSource(client, jdoe, clientimpl.WithClock(s.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = source.Close(context.Background()) })
	live, err := source.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	liveSig := live.Value[strings.LastIndex(live.Value, ".")+1:]

	for _, c := range []struct {
		name     string
		value    any
		secrets  []string
		identity string // appears in every printing
	}{
		{"Login", login, []string{password}, "jdoe"},
		{"*Login", &login, []string{password}, "jdoe"},
		{"WebAPIKey", webKey, []string{key}, "[REDACTED]"},
		{"*WebAPIKey", &webKey, []string{key}, "[REDACTED]"},
		{"AccessTokenIdentifier", identifier, []string{authCode, passCode}, "card-0001"},
		{"ConsumerApplicationKey", consumerKey, []string{key, authCode, passCode}, "card-0001"},
		{"*ConsumerApplicationKey", &consumerKey, []string{key, authCode, passCode}, "card-0001"},
		{"Credentials", clientimpl.Credentials(consumerKey), []string{key, authCode, passCode}, "card-0001"},
		{"Token", token, []string{token.Value, tokenSig}, "jdoe"},
		{"*Token", &token, []string{token.Value, tokenSig}, "jdoe"},
		{"*TokenSource", source, []string{jdoe.Password, live.Value, liveSig}, "jdoe"},
	} {
		redacttest.Check(t, c.name, c.value, c.secrets, c.identity)
	}
}

// TestMarshalledCredentialsKeepTheirShape: encoding/json writes every field under its Go
// name, the secrets as [REDACTED] and empty secrets as "", so a log reader still sees which
// are set.
func TestMarshalledCredentialsKeepTheirShape(t *testing.T) {
	for v, want := range map[any]string{
		clientimpl.Login{Username: "jdoe", Password: "x", Organisation: "ps_dev"}:                                                            `{"Username":"jdoe","Password":"[REDACTED]","Organisation":"ps_dev","Unit":""}`,
		clientimpl.WebAPIKey{Key: "k", Unit: "2"}:                                                                                            `{"Key":"[REDACTED]","Unit":"2"}`,
		clientimpl.ConsumerApplicationKey{Key: "k", AccessTokenIdentifier: clientimpl.AccessTokenIdentifier{Identifier: "i", PassCode: "p"}}: `{"Key":"[REDACTED]","AccessTokenIdentifier":{"AuthenticationCode":"","Identifier":"i","PassCode":"[REDACTED]"},"Unit":""}`,
		clientimpl.Token{Value: "a.b.c", Username: "u", Expiry: time.Unix(0, 0).UTC()}:                                                       `{"Value":"[REDACTED]","Expiry":"1970-01-01T00:00:00Z","IssuedAt":"0001-01-01T00:00:00Z","SessionID":"","Username":"u","Organisation":"","Unit":""}`,
	} {
		got, err := json.Marshal(v)
		if err != nil || string(got) != want {
			t.Errorf("%T: got %s (%v), want %s", v, got, err, want)
		}
	}
}
