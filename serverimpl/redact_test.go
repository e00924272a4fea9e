package serverimpl_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/redacttest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// TestSecretsArePrintedRedacted prints every serverimpl type that holds a secret (the
// fixtures' passwords, keys and codes, the signing secret, and what holds them) with every
// printer of redacttest: the secret never shows, what identifies the value does.
func TestSecretsArePrintedRedacted(t *testing.T) {
	fixtures := logSecretsFixtures(t) // every secret in it contains logMarker
	user, webKey, consumerKey := fixtures.Users[0], fixtures.WebAPIKeys[0], fixtures.ConsumerApplicationKeys[0]
	accessToken := consumerKey.AccessTokens[0]
	opts := serverimpl.Options{Fixtures: fixtures, Secret: []byte(logSigningSecret)}
	s := startStub(t, func(o *serverimpl.Options) { o.Fixtures, o.Secret = fixtures, opts.Secret })
	refusals := journalRefusals(t, s)
	// The reasons name what was wrong: the user, the key's place in the fixtures, the identifier.
	for what, words := range map[string]string{
		"wrong password":  "wrong password for plain@org_logs",
		"unknown user":    `unknown user "nobody" in organisation "org_logs"`,
		"unknown key":     "an unknown Web API key",
		"wrong code":      "the authentication code matches no access token of consumer application key #1 (svc@org_logs)",
		"wrong pass code": `wrong pass code for the identifier "card-logs-0001"`,
	} {
		if reason := refusals[what].(journal.Entry).Reason; !strings.Contains(reason, words) {
			t.Errorf("%s: the reason %q does not say %q", what, reason, words)
		}
	}
	for _, c := range []struct {
		name     string
		value    any
		identity string // "": nothing to look for in every printing
	}{
		// Refusals as the journal keeps them, each with its reason, and the token check's error:
		// no printing shows the secret that was wrong (%x and %10.3v cannot show the words).
		{"journal.Entry of a wrong password", refusals["wrong password"], ""},
		{"journal.Entry of an unknown user", refusals["unknown user"], ""},
		{"journal.Entry of an unknown key", refusals["unknown key"], ""},
		{"journal.Entry of a wrong code", refusals["wrong code"], ""},
		{"journal.Entry of a wrong pass code", refusals["wrong pass code"], ""},
		{"the token check's error for a released token", refusals["released"], ""},
		{"User", user, "plain"},
		{"*User", &user, "plain"},
		{"WebAPIKey", webKey, "[REDACTED]"},
		{"ConsumerApplicationKey", consumerKey, "card-logs-0001"},
		{"*ConsumerApplicationKey", &consumerKey, "card-logs-0001"},
		{"AccessToken", accessToken, "card-logs-0001"},
		{"Fixtures", *fixtures, "plain"},
		{"*Fixtures", fixtures, ""}, // nested, fmt prints a pointer as an address
		{"SigningSecret", opts.Secret, "[REDACTED]"},
		{"*Server", s.Server, s.URL},
		{"*Stub", s.Server.Stub, ""}, // encoding/json writes {}: no exported fields
	} {
		redacttest.Check(t, c.name, c.value, []string{logMarker}, c.identity)
	}
	// Options also hold a clock, a logger and a session store, which encoding/json may not
	// marshal: fmt and slog's TextHandler are what print it.
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := redacttest.Printers["fmt "+verb](opts); !strings.Contains(out, "[REDACTED]") || strings.Contains(out, logMarker) {
			t.Errorf("Options, %s: %s", verb, out)
		}
	}
}

// journalRefusals makes, with logSecretsFixtures' secrets and wrong ones carrying logMarker,
// the refusals whose reasons name what was wrong, and returns their journal entries (and the
// token check's error for a released token).
func journalRefusals(t *testing.T, s *stub) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	newest := func(what string) {
		entries, err := s.Requests(journal.Filter{Limit: 1})
		if err != nil || len(entries) != 1 || entries[0].Reason == "" {
			t.Fatalf("%s: journal %v %+v", what, err, entries)
		}
		out[what] = entries[0]
	}
	login := func(user, password string) {
		if _, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: user, Password: password, Organisation: "org_logs"}); err != nil {
			t.Fatal(err)
		}
	}
	consumer := func(id gen.AccessTokenIdentifier) {
		if _, err := s.client.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.ConsumerApplicationKeyTokenRequest{AccessTokenIdentifier: id}, basic(logConsumerKey)); err != nil {
			t.Fatal(err)
		}
	}
	login("plain", "Wrong-LOGSECRET-1")
	newest("wrong password")
	login("nobody", logPassword)
	newest("unknown user")
	if _, err := s.client.GetWebApiKeyTokenWithResponse(ctx, gen.WebApiKeyTokenRequest{}, basic("UNKNOWN-LOGSECRET-KEY")); err != nil {
		t.Fatal(err)
	}
	newest("unknown key")
	consumer(gen.AccessTokenIdentifier{AuthenticationCode: ptr("WrongCode-LOGSECRET")})
	newest("wrong code")
	consumer(gen.AccessTokenIdentifier{Identifier: ptr("card-logs-0001"), PassCode: ptr("WrongPass-LOGSECRET")})
	newest("wrong pass code")
	resp, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: "plain", Password: logPassword, Organisation: "org_logs"})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("login: %v", err)
	}
	s.release(t, resp.JSON200.Data.Token)
	_, err = s.CheckToken(resp.JSON200.Data.Token)
	if err == nil {
		t.Fatal("a released token passed the check")
	}
	out["released"] = err
	return out
}
