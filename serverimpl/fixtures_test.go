package serverimpl_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestDefaultFixtures pins the defaults other packages' tests and the README rely on.
func TestDefaultFixtures(t *testing.T) {
	f := serverimpl.DefaultFixtures()
	want := &serverimpl.Fixtures{
		Users: []serverimpl.User{{Username: "jdoe", Password: "s3cret-Passw0rd", Organisation: "ps_dev", DefaultUnit: "1", Units: []string{"1", "2"}}},
		WebAPIKeys: []serverimpl.WebAPIKey{{
			Key: vendorKey, Organisation: "ps_dev", User: "maytemplate", DefaultUnit: "1", Units: []string{"1"},
		}},
		ConsumerApplicationKeys: []serverimpl.ConsumerApplicationKey{{
			Key: vendorKey, Organisation: "ps_dev", User: "maytemplate", DefaultUnit: "1", Units: []string{"1"},
			AccessTokens: []serverimpl.AccessToken{{
				AuthenticationCode: vendorCode, Identifier: cardIdentifier, PassCode: cardPassCode,
				Contact: vendorContact, AccountsReceivable: vendorReceivable,
			}},
		}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("default fixtures changed:\n got %+v\nwant %+v", f, want)
	}
	f.Users[0].Password = "changed"
	if serverimpl.DefaultFixtures().Users[0].Password != userPassword {
		t.Fatal("DefaultFixtures must return a fresh copy")
	}
}

func writeFixtures(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixtures.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadFixturesErrors: a bad file is refused with an error that says what and where.
func TestLoadFixturesErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"empty file", "", ":" + " the file is empty"},
		{"syntax error", "users:\n\t- username: a\n", ":2: found character that cannot start any token"},
		{"unknown field", "users:\n  - username: a\n    passwrd: b\n", `:3: unknown field "passwrd"`},
		{"list for a string", "users:\n  - username: [a, b]\n", ":2: "},
		{"missing password", "users:\n  - username: a\n    organisation: o\n    default_unit: '1'\n", ":2: users[0].password: is missing"},
		{"missing default unit", "web_api_keys:\n  - key: K\n    organisation: o\n    user: u\n", ":2: web_api_keys[0].default_unit: is missing"},
		{"broken bcrypt", "users:\n  - username: a\n    password: $2a$10$short\n    organisation: o\n    default_unit: '1'\n", ":3: users[0].password: looks like a bcrypt hash"},
		{"duplicate user", "users:\n  - {username: a, password: p, organisation: o, default_unit: '1'}\n  - {username: a, password: q, organisation: o, default_unit: '1'}\n", `:3: users[1].username: user "a" of organisation "o" is already defined at users[0]`},
		{"identifier without pass code", "consumer_application_keys:\n  - key: K\n    organisation: o\n    user: u\n    default_unit: '1'\n    access_tokens:\n      - identifier: card\n        contact: C\n        accounts_receivable: A\n", ":7: consumer_application_keys[0].access_tokens[0].pass_code: is missing (identifier needs it)"},
		{"nobody", "users: []\n", "nobody could log in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFixtures(t, c.content)
			_, err := serverimpl.LoadFixtures(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q should start with the file name and say %q", err, c.want)
			}
		})
	}
	if _, err := serverimpl.LoadFixtures(filepath.Join(t.TempDir(), "absent.yaml")); err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFixturesBuiltInCodeAreChecked(t *testing.T) {
	_, err := serverimpl.New(serverimpl.Options{Fixtures: &serverimpl.Fixtures{Users: []serverimpl.User{{Username: "a", Organisation: "o", DefaultUnit: "1"}}}})
	if err == nil || !strings.Contains(err.Error(), "users[0].password: is missing") {
		t.Fatalf("New with a password-less user: %v", err)
	}
}

// TestFixtureFileWithBcrypt: a file may hold bcrypt hashes for passwords, authentication codes
// and pass codes; the stub logs in with the plain values.
func TestFixtureFileWithBcrypt(t *testing.T) {
	hash := func(s string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	path := writeFixtures(t, `
users:
  - username: alice
    password: "`+hash("wonderland")+`"
    organisation: acme
    default_unit: "7"
consumer_application_keys:
  - key: CONSUMERKEY
    organisation: acme
    user: shop
    default_unit: "7"
    access_tokens:
      - authentication_code: "`+hash("code-1")+`"
        identifier: card-1
        pass_code: "`+hash("1111")+`"
        contact: C1
        accounts_receivable: A1
`)
	f, err := serverimpl.LoadFixtures(path)
	if err != nil {
		t.Fatal(err)
	}
	s := startStub(t, func(o *serverimpl.Options) { o.Fixtures = f })
	ctx := context.Background()
	ok, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: "alice", Password: "wonderland", Organisation: "acme"})
	if err != nil || ok.JSON200 == nil {
		t.Fatalf("bcrypt password refused: %v %s", err, ok.Body)
	}
	checkClaims(t, ok.JSON200.Data.Token, "alice", "acme", "7", 3600)
	bad, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: "alice", Password: "wonderlan", Organisation: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	expectFailure(t, bad.StatusCode(), bad.Body, 401, gen.ErrorCodeInvalidCredentials, "")
	for name, id := range map[string]gen.AccessTokenIdentifier{
		"code":                  {AuthenticationCode: ptr("code-1")},
		"identifier, pass code": {Identifier: ptr("card-1"), PassCode: ptr("1111")},
	} {
		resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.ConsumerApplicationKeyTokenRequest{AccessTokenIdentifier: id}, basic("CONSUMERKEY"))
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%s: %v %s", name, err, resp.Body)
		}
	}
	// The default key is not in this file.
	resp, body := s.post(t, "/authentication/web_api_key/token", "application/json", []byte("{}"), "Authorization", vendorBasic)
	expectFailure(t, resp.StatusCode, body, 401, gen.ErrorCodeInvalidKey, "unknown key")
}
