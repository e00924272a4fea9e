package serverimpl_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

var upperHex32 = regexp.MustCompile(`^[0-9A-F]{32}$`)

// checkClaims checks the claims every token carries, and its lifetime in seconds.
func checkClaims(t *testing.T, token, usr, org, oun string, lifetime int64) map[string]any {
	t.Helper()
	header, claims := tokenParts(t, token)
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Errorf("header = %v, want HS256 JWT", header)
	}
	if claims["usr"] != usr || claims["org"] != org || claims["oun"] != oun {
		t.Errorf("claims usr/org/oun = %v/%v/%v, want %s/%s/%s", claims["usr"], claims["org"], claims["oun"], usr, org, oun)
	}
	if jti, _ := claims["jti"].(string); !upperHex32.MatchString(jti) {
		t.Errorf("jti %q is not 32 upper-case hex characters", claims["jti"])
	}
	exp, expOK := claims["exp"].(string)
	iat, iatOK := claims["iat"].(string)
	if !expOK || !iatOK {
		t.Fatalf("exp and iat must be strings as in CRM.COM's example: %v %v", claims["exp"], claims["iat"])
	}
	e, _ := strconv.ParseInt(exp, 10, 64)
	i, _ := strconv.ParseInt(iat, 10, 64)
	if i != epoch.Unix() || e-i != lifetime {
		t.Errorf("iat %d exp %d: want iat %d and a lifetime of %d s", i, e, epoch.Unix(), lifetime)
	}
	return claims
}

func TestLoginDefaultUnit(t *testing.T) {
	s := startStub(t)
	claims := checkClaims(t, s.loginToken(t), userName, userOrganisation, "1", 3600)
	if _, ok := claims["cii"]; ok {
		t.Error("a login token has no consumer claims")
	}
}

func TestLoginChosenUnit(t *testing.T) {
	s := startStub(t)
	resp := s.login(t, ptr("2"))
	if resp.JSON200 == nil {
		t.Fatalf("unit 2: %d %s", resp.StatusCode(), resp.Body)
	}
	checkClaims(t, resp.JSON200.Data.Token, userName, userOrganisation, "2", 3600)
}

func TestLoginUnitNotAllowed(t *testing.T) {
	s := startStub(t)
	resp := s.login(t, ptr("9"))
	expectFailure(t, resp.StatusCode(), resp.Body, 403, gen.ErrorCodeUnitNotAllowed, `unit "9" is not one of jdoe@ps_dev's units 1, 2`)
}

// TestLoginFailuresAreAlike: unknown user, wrong password and unknown organisation must give
// the same answer, byte for byte, so the answer never tells which was wrong.
func TestLoginFailuresAreAlike(t *testing.T) {
	s := startStub(t)
	cases := map[string]gen.LoginRequest{
		"unknown user":         {Username: "nobody", Password: userPassword, Organisation: userOrganisation},
		"wrong password":       {Username: userName, Password: "wrong", Organisation: userOrganisation},
		"unknown organisation": {Username: userName, Password: userPassword, Organisation: "elsewhere"},
	}
	var first []byte
	for name, req := range cases {
		resp, err := s.client.LoginWithResponse(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		expectFailure(t, resp.StatusCode(), resp.Body, 401, gen.ErrorCodeInvalidCredentials, "login failed")
		if first == nil {
			first = resp.Body
		} else if string(first) != string(resp.Body) {
			t.Errorf("%s: answer %s differs from %s", name, resp.Body, first)
		}
	}
}

func TestWebAPIKeyVendorExample(t *testing.T) {
	s := startStub(t)
	// Exactly the vendor's request: its Basic header and the body {}.
	resp, body := s.post(t, "/authentication/web_api_key/token", "application/json", []byte("{}"), "Authorization", vendorBasic)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	checkClaims(t, decodeToken(t, body), "maytemplate", userOrganisation, "1", 7200)
	// And through the generated client.
	checkClaims(t, s.webAPIKeyToken(t), "maytemplate", userOrganisation, "1", 7200)
}

func TestWebAPIKeyEmptyBody(t *testing.T) {
	s := startStub(t)
	for _, ct := range []string{"", "application/json"} {
		resp, body := s.post(t, "/authentication/web_api_key/token", ct, nil, "Authorization", vendorBasic)
		if resp.StatusCode != 200 {
			t.Fatalf("no body, Content-Type %q: %d %s", ct, resp.StatusCode, body)
		}
	}
}

func TestWebAPIKeyUnit(t *testing.T) {
	s := startStub(t)
	ok, err := s.client.GetWebApiKeyTokenWithResponse(context.Background(), gen.WebApiKeyTokenRequest{Unit: ptr("1")}, basic(vendorKey))
	if err != nil || ok.JSON200 == nil {
		t.Fatalf("unit 1: %v %s", err, ok.Body)
	}
	bad, err := s.client.GetWebApiKeyTokenWithResponse(context.Background(), gen.WebApiKeyTokenRequest{Unit: ptr("2")}, basic(vendorKey))
	if err != nil {
		t.Fatal(err)
	}
	expectFailure(t, bad.StatusCode(), bad.Body, 403, gen.ErrorCodeUnitNotAllowed, `unit "2"`)
}

// TestKeyCredentialsRefused covers every way the Basic credentials can be wrong, on both key
// methods: each is 401 INVALID_KEY with a Basic challenge.
func TestKeyCredentialsRefused(t *testing.T) {
	s := startStub(t)
	cases := []struct{ name, authorization, message string }{
		{"missing", "", "Authorization header is missing"},
		{"bearer", "Bearer abc.def.ghi", "not HTTP Basic"},
		{"broken base64", "Basic %%%not-base64", "not valid base64"},
		{"no colon", "Basic " + b64("EE73C0AE64524371B5DDEFF5F7BB2192"), "no ':'"},
		{"password given", "Basic " + b64(vendorKey+":secret"), "password must be empty"},
		{"empty key", "Basic " + b64(":"), "is empty"},
		{"unknown key", "Basic " + b64("0000000000000000000000000000000F:"), "unknown key"},
	}
	bodies := map[string]string{
		"/authentication/web_api_key/token":              `{}`,
		"/authentication/consumer_application_key/token": `{"access_token_identifier":{"authentication_code":"p_kestora1!"}}`,
	}
	for path, body := range bodies {
		for _, c := range cases {
			t.Run(c.name+path, func(t *testing.T) {
				var headers []string
				if c.authorization != "" {
					headers = []string{"Authorization", c.authorization}
				}
				resp, got := s.post(t, path, "application/json", []byte(body), headers...)
				expectFailure(t, resp.StatusCode, got, 401, gen.ErrorCodeInvalidKey, c.message)
				if resp.Header.Get("WWW-Authenticate") != `Basic realm="crmauth"` {
					t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
				}
			})
		}
	}
}

func TestConsumerVendorExample(t *testing.T) {
	s := startStub(t)
	resp, body := s.post(t, "/authentication/consumer_application_key/token", "application/json",
		[]byte(`{"access_token_identifier": {"authentication_code": "p_kestora1!"}, "unit": "1"}`), "Authorization", vendorBasic)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	token := decodeToken(t, body)
	claims := checkClaims(t, token, "maytemplate", userOrganisation, "1", 7200)
	if claims["cii"] != vendorContact || claims["ari"] != vendorReceivable {
		t.Errorf("cii/ari = %v/%v, want the vendor's %s/%s", claims["cii"], claims["ari"], vendorContact, vendorReceivable)
	}
}

func TestConsumerIdentifierAndPassCode(t *testing.T) {
	s := startStub(t)
	resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(context.Background(), gen.ConsumerApplicationKeyTokenRequest{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{Identifier: ptr(cardIdentifier), PassCode: ptr(cardPassCode)},
	}, basic(vendorKey))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("%d %s", resp.StatusCode(), resp.Body)
	}
	claims := checkClaims(t, resp.JSON200.Data.Token, "maytemplate", userOrganisation, "1", 7200)
	if claims["cii"] != vendorContact {
		t.Errorf("cii = %v", claims["cii"])
	}
}

func TestConsumerAccessTokenIdentifierRefused(t *testing.T) {
	s := startStub(t)
	cases := []struct {
		name    string
		id      gen.AccessTokenIdentifier
		status  int
		code    gen.ErrorCode
		message string
	}{
		{"wrong code", gen.AccessTokenIdentifier{AuthenticationCode: ptr("nope")}, 401, gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches"},
		{"wrong pass code", gen.AccessTokenIdentifier{Identifier: ptr(cardIdentifier), PassCode: ptr("0000")}, 401, gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches"},
		{"unknown identifier", gen.AccessTokenIdentifier{Identifier: ptr("other"), PassCode: ptr(cardPassCode)}, 401, gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches"},
		{"both, one wrong", gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode), Identifier: ptr(cardIdentifier), PassCode: ptr("0000")}, 401, gen.ErrorCodeInvalidAccessTokenIdentifier, "no access token matches"},
		{"identifier alone", gen.AccessTokenIdentifier{Identifier: ptr(cardIdentifier)}, 400, gen.ErrorCodeInvalidRequest, "access_token_identifier: identifier needs pass_code"},
		{"nothing", gen.AccessTokenIdentifier{}, 400, gen.ErrorCodeInvalidRequest, "give authentication_code, or identifier together with pass_code"},
		{"code and identifier without pass code", gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode), Identifier: ptr(cardIdentifier)}, 400, gen.ErrorCodeInvalidRequest, "identifier needs pass_code"},
		{"code and pass code without identifier", gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode), PassCode: ptr(cardPassCode)}, 400, gen.ErrorCodeInvalidRequest, "pass_code needs identifier"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(context.Background(),
				gen.ConsumerApplicationKeyTokenRequest{AccessTokenIdentifier: c.id}, basic(vendorKey))
			if err != nil {
				t.Fatal(err)
			}
			expectFailure(t, resp.StatusCode(), resp.Body, c.status, c.code, c.message)
		})
	}
	t.Run("both right", func(t *testing.T) {
		resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(context.Background(), gen.ConsumerApplicationKeyTokenRequest{
			AccessTokenIdentifier: gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode), Identifier: ptr(cardIdentifier), PassCode: ptr(cardPassCode)},
		}, basic(vendorKey))
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
	})
}

func TestNumericDates(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.NumericDates = true })
	_, claims := tokenParts(t, s.webAPIKeyToken(t))
	exp, expOK := claims["exp"].(float64)
	iat, iatOK := claims["iat"].(float64)
	if !expOK || !iatOK || int64(iat) != epoch.Unix() || exp-iat != 7200 {
		t.Fatalf("exp %v iat %v: want RFC 7519 numbers 7200 s apart", claims["exp"], claims["iat"])
	}
}
