package clientimpl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// printers are every way a value reaches a log or a screen: fmt's verbs, slog's Text and JSON
// handlers (as an attribute, and nested in a struct, an any and a map), and encoding/json.
var printers = func() map[string]func(v any) string {
	p := map[string]func(v any) string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%10.3v"} {
		p["fmt "+verb] = func(v any) string { return fmt.Sprintf(verb, v) }
	}
	p["fmt Sprint"] = func(v any) string { return fmt.Sprint(v) }
	p["fmt Sprintln of a slice"] = func(v any) string { return fmt.Sprintln([]any{v}) }
	p["fmt %+v nested in a struct"] = func(v any) string { return fmt.Sprintf("%+v", struct{ Creds any }{v}) }
	p["fmt %#v nested in a struct"] = func(v any) string { return fmt.Sprintf("%#v", struct{ Creds any }{v}) }
	for name, handler := range map[string]func(*bytes.Buffer) slog.Handler{
		"Text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		for shape, wrap := range map[string]func(v any) any{
			"an attribute":       func(v any) any { return v },
			"nested in a struct": func(v any) any { return struct{ Request struct{ Creds any } }{struct{ Creds any }{v}} },
			"nested in a map":    func(v any) any { return map[string]any{"creds": v} },
			"in a slice":         func(v any) any { return []any{v} },
		} {
			p["slog "+name+"Handler, "+shape] = func(v any) string {
				var b bytes.Buffer
				slog.New(handler(&b)).Info("got", slog.Any("value", wrap(v)))
				return b.String()
			}
		}
		p["slog "+name+"Handler, With"] = func(v any) string {
			var b bytes.Buffer
			slog.New(handler(&b)).With("value", v).Info("got")
			return b.String()
		}
	}
	p["encoding/json Marshal"] = func(v any) string { b, err := json.Marshal(v); return string(b) + errText(err) }
	p["encoding/json MarshalIndent nested"] = func(v any) string {
		b, err := json.MarshalIndent(struct{ Creds any }{v}, "", "  ")
		return string(b) + errText(err)
	}
	return p
}()

func errText(err error) string {
	if err != nil {
		return " error: " + err.Error()
	}
	return ""
}

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
		for printer, print := range printers {
			out := print(c.value)
			for _, secret := range c.secrets {
				if strings.Contains(out, secret) {
					t.Errorf("%s, %s: the secret %q is printed: %s", c.name, printer, secret, out)
				}
			}
			if !strings.Contains(out, c.identity) && !strings.Contains(out, strings.ReplaceAll(c.identity, `"`, `\"`)) {
				t.Errorf("%s, %s: %q does not show: %s", c.name, printer, c.identity, out)
			}
		}
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
