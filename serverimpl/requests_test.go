package serverimpl_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// The four methods' paths under serverimpl.BasePath.
const (
	opLogin    = "/authentication/token"
	opRelease  = "/authentication/token/release"
	opWebKey   = "/authentication/web_api_key/token"
	opConsumer = "/authentication/consumer_application_key/token"
)

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// jsonString is s as a JSON string literal (escapes and all).
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// loginWith is a login body with one member's raw JSON value replaced (or added).
func loginWith(member, raw string) string {
	m := map[string]string{
		"username":     jsonString(userName),
		"password":     jsonString(userPassword),
		"organisation": jsonString(userOrganisation),
	}
	m[member] = raw
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, k := range []string{"username", "password", "organisation", "unit", member} {
		v, ok := m[k]
		if !ok {
			continue
		}
		delete(m, k)
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(jsonString(k) + ":" + v)
	}
	b.WriteString("}")
	return b.String()
}

// Good requests' parts, for the tests that send requests by hand.
var (
	validLogin     = loginWith("username", jsonString(userName))
	vendorKeyBasic = basicAuth(vendorKey, "")
	consumerBody   = `{"access_token_identifier":{"authentication_code":"p_kestora1!"},"unit":"1"}`
)
