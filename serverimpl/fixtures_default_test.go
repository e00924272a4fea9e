package serverimpl_test

import (
	"context"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestDefaultCredentials: every exported default credential is in the embedded fixtures and
// gets a token from a stub with the defaults, whose claims are the ones the names promise.
func TestDefaultCredentials(t *testing.T) {
	f := serverimpl.DefaultFixtures()
	u, k, c := f.Users[0], f.WebAPIKeys[0], f.ConsumerApplicationKeys[0]
	a := c.AccessTokens[0]
	for _, m := range []struct{ name, got, want string }{
		{"user", u.Username, serverimpl.DefaultUsername},
		{"password", u.Password, serverimpl.DefaultPassword},
		{"organisation", u.Organisation, serverimpl.DefaultOrganisation},
		{"default unit", u.DefaultUnit, serverimpl.DefaultUnit},
		{"web API key", k.Key, serverimpl.DefaultWebAPIKey},
		{"key user", k.User, serverimpl.DefaultKeyUsername},
		{"consumer application key", c.Key, serverimpl.DefaultConsumerApplicationKey},
		{"authentication code", a.AuthenticationCode, serverimpl.DefaultAuthenticationCode},
		{"identifier", a.Identifier, serverimpl.DefaultIdentifier},
		{"pass code", a.PassCode, serverimpl.DefaultPassCode},
		{"contact", a.Contact, serverimpl.DefaultContact},
		{"accounts receivable", a.AccountsReceivable, serverimpl.DefaultAccountsReceivable},
	} {
		if m.got != m.want {
			t.Errorf("fixtures_default.yaml's %s is %q, the exported default %q", m.name, m.got, m.want)
		}
	}

	s := startStub(t)
	ctx := context.Background()
	// token is the token of an answer; the three methods' answers share TokenResponse.
	token := func(name string, body []byte, resp *gen.TokenResponse) string {
		t.Helper()
		if resp == nil {
			t.Fatalf("%s: no token: %s", name, body)
		}
		return resp.Data.Token
	}
	check := func(name, tok string, want serverimpl.TokenInfo) {
		t.Helper()
		info, err := s.CheckToken(tok)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Username != want.Username || info.Organisation != want.Organisation || info.Unit != want.Unit ||
			info.Contact != want.Contact || info.AccountsReceivable != want.AccountsReceivable {
			t.Errorf("%s: token for %+v, want %+v", name, info, want)
		}
	}
	user := serverimpl.TokenInfo{Username: serverimpl.DefaultUsername, Organisation: serverimpl.DefaultOrganisation, Unit: serverimpl.DefaultUnit}
	keyUser := serverimpl.TokenInfo{Username: serverimpl.DefaultKeyUsername, Organisation: serverimpl.DefaultOrganisation, Unit: serverimpl.DefaultUnit}
	consumer := keyUser
	consumer.Contact, consumer.AccountsReceivable = serverimpl.DefaultContact, serverimpl.DefaultAccountsReceivable

	login := func(unit *string) string {
		r, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: serverimpl.DefaultUsername,
			Password: serverimpl.DefaultPassword, Organisation: serverimpl.DefaultOrganisation, Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		return token("login", r.Body, r.JSON200)
	}
	check("login", login(nil), user)
	other := user
	other.Unit = serverimpl.DefaultOtherUnit
	check("login to the other unit", login(ptr(serverimpl.DefaultOtherUnit)), other)

	kr, err := s.client.GetWebApiKeyTokenWithResponse(ctx, gen.WebApiKeyTokenRequest{}, basic(serverimpl.DefaultWebAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	check("web API key", token("web API key", kr.Body, kr.JSON200), keyUser)

	for name, id := range map[string]gen.AccessTokenIdentifier{
		"consumer by authentication code": {AuthenticationCode: ptr(serverimpl.DefaultAuthenticationCode)},
		"consumer by identifier":          {Identifier: ptr(serverimpl.DefaultIdentifier), PassCode: ptr(serverimpl.DefaultPassCode)},
	} {
		cr, err := s.client.GetConsumerApplicationKeyTokenWithResponse(ctx,
			gen.ConsumerApplicationKeyTokenRequest{AccessTokenIdentifier: id}, basic(serverimpl.DefaultConsumerApplicationKey))
		if err != nil {
			t.Fatal(err)
		}
		check(name, token(name, cr.Body, cr.JSON200), consumer)
	}
}
