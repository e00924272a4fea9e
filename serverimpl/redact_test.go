package serverimpl_test

import (
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/internal/redacttest"
	"github.com/crmcom-community/crmauth/serverimpl"
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
	for _, c := range []struct {
		name     string
		value    any
		identity string // "": nothing to look for in every printing
	}{
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
