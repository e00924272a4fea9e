package main

import (
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/internal/redacttest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestFlagsPrintRedacted: the flag sets that hold credentials or the signing secret never
// print them (their fields are unexported: encoding/json writes {}).
func TestFlagsPrintRedacted(t *testing.T) {
	token := tokenFlags{username: "jdoe", password: "Pw-SECRET", key: "KEY-SECRET", authenticationCode: "CODE-SECRET", identifier: "card", passCode: "PASS-SECRET"}
	serve := serveConfig{listen: ":8080", secret: "SIGNING-SECRET", opts: serverimpl.Options{AdminToken: "ADMIN-SECRET"}, redisURL: "redis://:REDIS-SECRET@127.0.0.1:6379/0"}
	for name, v := range map[string]any{"tokenFlags": token, "*tokenFlags": &token, "serveConfig": serve, "*serveConfig": &serve} {
		redacttest.Check(t, name, v, []string{"SECRET"}, "")
		if out := redacttest.Printers["fmt %+v"](v); !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%s: %s does not show the secret is set", name, out)
		}
	}
}
