package serverimpl_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// Secrets of the reasons' fixtures, each carrying reasonMarker, so one search finds any of them
// in a reason or an answer; and the wrong secrets the refusals send.
const (
	reasonMarker       = "RSNSECRET"
	webOnlyKey         = "WEBONLY-RSNSECRET-00000000000001"
	consumerOnlyKey    = "CONSONLY-RSNSECRET-0000000000002"
	codeA, passA       = "CodeA-RSNSECRET", "PassA-RSNSECRET"
	codeB, passB       = "CodeB-RSNSECRET", "PassB-RSNSECRET"
	blockedPassword    = "Blocked-RSNSECRET"
	wrongSecret        = "Wrong-RSNSECRET"
	unknownKey         = "UNKNOWN-RSNSECRET-000000000000003"
	reasonsMaxFailures = 5
)

func reasonsFixtures() *serverimpl.Fixtures {
	f := serverimpl.DefaultFixtures()
	f.Users = append(f.Users, serverimpl.User{Username: "blocked", Password: blockedPassword, Organisation: "ps_dev", DefaultUnit: "1"})
	f.WebAPIKeys = append(f.WebAPIKeys, serverimpl.WebAPIKey{Key: webOnlyKey, Organisation: "ps_dev", User: "svc", DefaultUnit: "1"})
	f.ConsumerApplicationKeys = append(f.ConsumerApplicationKeys, serverimpl.ConsumerApplicationKey{
		Key: consumerOnlyKey, Organisation: "ps_dev", User: "shop", DefaultUnit: "1",
		AccessTokens: []serverimpl.AccessToken{
			{AuthenticationCode: codeA, Identifier: "card-A", PassCode: passA, Contact: strings.Repeat("A", 32), AccountsReceivable: strings.Repeat("B", 32)},
			{AuthenticationCode: codeB, Identifier: "card-B", PassCode: passB, Contact: strings.Repeat("C", 32), AccountsReceivable: strings.Repeat("D", 32)},
		},
	})
	return f
}

// reasonsStub is a stub with every part that can refuse: the four methods, a route guarded by
// RequireToken, the gateway (to an upstream whose /broken path breaks off) and forward auth.
type reasonsStub struct {
	*stub
	upstream string // host:port
}

func startReasonsStub(t *testing.T, configure ...func(*serverimpl.Options)) *reasonsStub {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			panic(http.ErrAbortHandler) // the connection breaks off: the gateway answers 502
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[],"status":{"code":"OK","description":"","message":""}}`)
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	gw, err := gateway.New(gateway.Config{Upstream: u, MaxBodyBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.CloseIdleConnections)
	s := startStub(t, append([]func(*serverimpl.Options){func(o *serverimpl.Options) {
		o.Fixtures = reasonsFixtures()
		o.Throttle = serverimpl.ThrottleOptions{MaxFailures: reasonsMaxFailures}
		o.Extensions = []serverimpl.Extension{gw, gateway.ForwardAuth{}}
	}}, configure...)...)
	s.Echo().GET("/guarded", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, s.RequireToken())
	return &reasonsStub{stub: s, upstream: u.Host}
}

// send is one hand-made request, with headers that may repeat (name, value, name, value...).
func (s *reasonsStub) send(t *testing.T, method, path, contentType, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// sendPlain is a GET past the spec check: the gateway's own codes (BAD_GATEWAY) are not the
// catalogue's.
func (s *reasonsStub) sendPlain(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

func keyAuth(key string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")) }

func loginBody(username, password, organisation, unit string) string {
	b := `{"username":` + jsonString(username) + `,"password":` + jsonString(password) + `,"organisation":` + jsonString(organisation)
	if unit != "" {
		b += `,"unit":` + jsonString(unit)
	}
	return b + "}"
}

func releaseBody(token string) string { return `{"token":` + jsonString(token) + `}` }

// newestEntry is the journal's newest entry.
func newestEntry(t *testing.T, s *stub) journal.Entry {
	t.Helper()
	entries, err := s.Requests(journal.Filter{Limit: 1})
	if err != nil || len(entries) != 1 {
		t.Fatalf("journal: %v %d entries", err, len(entries))
	}
	return entries[0]
}

// reasonCase is one refusal: the request that gets it, its answer, the words of its reason in
// the journal and of the answer's status.message.
type reasonCase struct {
	name    string
	send    func(t *testing.T, s *reasonsStub) (int, []byte)
	status  int
	code    string
	reason  string // the journal entry's reason contains these words
	message string // the answer's status.message is exactly this ("" : the reason's words are in it)
}

const jdoeReleasedPrefix = "token has been released at 12:00:00 UTC"

// TestEveryRefusalHasAReason goes through every refusal the four methods, the token check, the
// gateway and forward auth can give, through the real handler stack, and checks the reason
// journalled for it, the answer's message, and that neither holds a secret (a fixture's
// password, key, code or pass code, a wrong one sent, a key's Basic credentials, a token).
func TestEveryRefusalHasAReason(t *testing.T) {
	s := startReasonsStub(t)
	var tokens []string
	token := func(t *testing.T, s *reasonsStub) string {
		tok := s.loginToken(t)
		tokens = append(tokens, tok)
		return tok
	}
	jsonPost := func(path, body string, headers ...string) func(*testing.T, *reasonsStub) (int, []byte) {
		return func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodPost, serverimpl.BasePath+path, "application/json", body, headers...)
		}
	}
	consumer := func(key, identifier string) func(*testing.T, *reasonsStub) (int, []byte) {
		return jsonPost(opConsumer, `{"access_token_identifier":`+identifier+`}`, "Authorization", keyAuth(key))
	}
	cases := []reasonCase{
		// authentication/token
		{"unknown organisation", jsonPost(opLogin, loginBody(userName, userPassword, "nope_org", "")), 401, "INVALID_CREDENTIALS",
			`unknown organisation "nope_org"`, "login failed"},
		{"unknown user", jsonPost(opLogin, loginBody("nobody", wrongSecret, userOrganisation, "")), 401, "INVALID_CREDENTIALS",
			`unknown user "nobody" in organisation "ps_dev"`, "login failed"},
		{"wrong password", jsonPost(opLogin, loginBody(userName, wrongSecret, userOrganisation, "")), 401, "INVALID_CREDENTIALS",
			"wrong password for jdoe@ps_dev, 1 of 5 failures before 429", "login failed"},
		{"login's unit not allowed", jsonPost(opLogin, loginBody(userName, userPassword, userOrganisation, "9")), 403, "UNIT_NOT_ALLOWED",
			`unit "9" is not one of jdoe@ps_dev's units 1, 2`, `unit "9" is not one of jdoe@ps_dev's units 1, 2`},
		{"brute-force brake", func(t *testing.T, s *reasonsStub) (int, []byte) {
			for range reasonsMaxFailures {
				s.send(t, http.MethodPost, serverimpl.BasePath+opLogin, "application/json", loginBody("blocked", wrongSecret, userOrganisation, ""))
			}
			return s.send(t, http.MethodPost, serverimpl.BasePath+opLogin, "application/json", loginBody("blocked", blockedPassword, userOrganisation, ""))
		}, 429, "TOO_MANY_REQUESTS", `the account "blocked@ps_dev" has had 5 failures within 5 minutes`, "too many failed attempts; try again in 300 seconds"},
		{"a member missing", jsonPost(opLogin, `{"username":"jdoe","password":"`+wrongSecret+`"}`), 400, "INVALID_REQUEST",
			`property "organisation" is missing`, ""},
		{"a duplicate member", jsonPost(opLogin, `{"username":"jdoe","username":"x","password":"`+wrongSecret+`","organisation":"ps_dev"}`), 400, "INVALID_REQUEST",
			`duplicate member "username"`, ""},
		{"not JSON", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodPost, serverimpl.BasePath+opLogin, "text/plain", loginBody(userName, wrongSecret, userOrganisation, ""))
		}, 415, "UNSUPPORTED_MEDIA_TYPE", "content type text/plain is not supported", ""},
		{"too large", jsonPost(opLogin, `{"username":"`+strings.Repeat("x", serverimpl.MaxBodyBytes)+`"}`), 413, "PAYLOAD_TOO_LARGE",
			"request body is over 65536 bytes", ""},
		{"wrong HTTP method", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodGet, serverimpl.BasePath+opLogin, "", "")
		}, 405, "METHOD_NOT_ALLOWED", "GET is not allowed here; use POST", ""},
		{"no such method", func(t *testing.T, s *reasonsStub) (int, []byte) { return s.send(t, http.MethodGet, "/nothing", "", "") },
			404, "NOT_FOUND", "no method at /nothing", ""},
		{"fault injected", jsonPost(opLogin, loginBody(userName, userPassword, userOrganisation, ""), serverimpl.FaultHeader, "503"), 503, "SERVICE_UNAVAILABLE",
			"fault injected by X-Crmauth-Fault: 503", "injected by X-Crmauth-Fault"},
		{"a fault the method does not declare", jsonPost(opLogin, "{}", serverimpl.FaultHeader, "418"), 400, "INVALID_REQUEST",
			"X-Crmauth-Fault: 418 is not an error Login declares", ""},
		{"two Authorization headers", jsonPost(opWebKey, "{}", "Authorization", keyAuth(vendorKey), "Authorization", keyAuth(webOnlyKey)), 400, "INVALID_REQUEST",
			"Authorization header is sent 2 times", ""},
		// authentication/web_api_key/token
		{"no key", jsonPost(opWebKey, "{}"), 401, "INVALID_KEY", "Authorization header is missing", ""},
		{"not Basic", jsonPost(opWebKey, "{}", "Authorization", "Bearer "+webOnlyKey), 401, "INVALID_KEY", "Authorization is not HTTP Basic", ""},
		{"not base64", jsonPost(opWebKey, "{}", "Authorization", "Basic "+webOnlyKey), 401, "INVALID_KEY", "not valid base64", ""},
		{"a Basic password", jsonPost(opWebKey, "{}", "Authorization", basicAuth(webOnlyKey, wrongSecret)), 401, "INVALID_KEY",
			"the HTTP Basic password must be empty", ""},
		{"unknown Web API key", jsonPost(opWebKey, "{}", "Authorization", keyAuth(unknownKey)), 401, "INVALID_KEY",
			"an unknown Web API key: no Web API key of the fixtures is the key sent", "unknown key"},
		{"a consumer key as a Web API key", jsonPost(opWebKey, "{}", "Authorization", keyAuth(consumerOnlyKey)), 401, "INVALID_KEY",
			"the key sent is consumer application key #2 (shop@ps_dev), not a Web API key", "unknown key"},
		{"Web API key's unit not allowed", jsonPost(opWebKey, `{"unit":"9"}`, "Authorization", keyAuth(webOnlyKey)), 403, "UNIT_NOT_ALLOWED",
			`unit "9" is not one of Web API key #2 (svc@ps_dev)'s units 1`, `unit "9" is not one of Web API key #2 (svc@ps_dev)'s units 1`},
		// authentication/consumer_application_key/token
		{"unknown consumer key", consumer(unknownKey, `{"authentication_code":"`+codeA+`"}`), 401, "INVALID_KEY",
			"an unknown consumer application key: no consumer application key of the fixtures is the key sent", "unknown key"},
		{"a Web API key as a consumer key", consumer(webOnlyKey, `{"authentication_code":"`+codeA+`"}`), 401, "INVALID_KEY",
			"the key sent is Web API key #2 (svc@ps_dev), not a consumer application key", "unknown key"},
		{"consumer's unit not allowed", jsonPost(opConsumer, `{"access_token_identifier":{"authentication_code":"`+codeA+`"},"unit":"7"}`, "Authorization", keyAuth(consumerOnlyKey)),
			403, "UNIT_NOT_ALLOWED", `unit "7" is not one of consumer application key #2 (shop@ps_dev)'s units 1`, `unit "7" is not one of consumer application key #2 (shop@ps_dev)'s units 1`},
		{"wrong authentication code", consumer(consumerOnlyKey, `{"authentication_code":"`+wrongSecret+`"}`), 401, "INVALID_ACCESS_TOKEN_IDENTIFIER",
			"the authentication code matches no access token of consumer application key #2 (shop@ps_dev)", "no access token matches the identifier given"},
		{"unknown identifier", consumer(consumerOnlyKey, `{"identifier":"card-Z","pass_code":"`+passA+`"}`), 401, "INVALID_ACCESS_TOKEN_IDENTIFIER",
			`no access token of consumer application key #2 (shop@ps_dev) has the identifier "card-Z"`, "no access token matches the identifier given"},
		{"wrong pass code", consumer(consumerOnlyKey, `{"identifier":"card-A","pass_code":"`+wrongSecret+`"}`), 401, "INVALID_ACCESS_TOKEN_IDENTIFIER",
			`wrong pass code for the identifier "card-A" of consumer application key #2 (shop@ps_dev)`, "no access token matches the identifier given"},
		{"code and identifier of two access tokens", consumer(consumerOnlyKey, `{"authentication_code":"`+codeA+`","identifier":"card-B","pass_code":"`+passB+`"}`),
			401, "INVALID_ACCESS_TOKEN_IDENTIFIER", `the authentication code and the identifier "card-B" name different access tokens`, "no access token matches the identifier given"},
		{"pass code without identifier", consumer(consumerOnlyKey, `{"authentication_code":"`+codeA+`","pass_code":"`+passA+`"}`), 400, "INVALID_REQUEST", "pass_code needs identifier", ""},
		{"identifier without pass code", consumer(consumerOnlyKey, `{"identifier":"card-A"}`), 400, "INVALID_REQUEST", "identifier needs pass_code", ""},
		// authentication/token/release and the token check
		{"malformed token", jsonPost(opRelease, releaseBody("abc")), 401, "INVALID_TOKEN", "token is malformed", ""},
		{"forged token", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			dot := strings.LastIndex(tok, ".")
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok[:dot+1]+"AAAA"+tok[dot+5:]))
		}, 401, "INVALID_TOKEN", "token signature is invalid", ""},
		{"released twice", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			s.release(t, tok)
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "INVALID_TOKEN", jdoeReleasedPrefix + " (session ", jdoeReleasedPrefix},
		{"no token for a guarded route", func(t *testing.T, s *reasonsStub) (int, []byte) { return s.send(t, http.MethodGet, "/guarded", "", "") },
			401, "INVALID_TOKEN", "no token was given", ""},
		{"a released token for a guarded route", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			s.release(t, tok)
			return s.send(t, http.MethodGet, "/guarded", "", "", "Authorization", "Bearer "+tok)
		}, 401, "INVALID_TOKEN", "of jdoe@ps_dev)", jdoeReleasedPrefix},
		{"two different tokens", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodGet, "/guarded?token="+token(t, s), "", "", "Authorization", "Bearer "+token(t, s))
		}, 400, "INVALID_REQUEST", "two different tokens: one in the token query parameter, another in the Authorization header", ""},
		{"ended as expired by the admin API", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			_, claims := tokenParts(t, tok)
			if _, err := s.EndSession(claims["jti"].(string), sessions.StateExpired); err != nil {
				t.Fatal(err)
			}
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "TOKEN_EXPIRED", "token expired: ended as expired by the server (admin API) at 12:00:00 UTC", "token expired: ended as expired by the server (admin API) at 12:00:00 UTC"},
		// the gateway and forward auth
		{"gateway: no token", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodGet, serverimpl.BasePath+"/contacts/list", "", "")
		}, 401, "INVALID_TOKEN", "no token was given", ""},
		{"gateway: a dot segment", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodGet, serverimpl.BasePath+"/contacts/../admin?token="+token(t, s), "", "")
		}, 400, "INVALID_REQUEST", "the path has a . or .. segment", ""},
		{"gateway: too large", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodPost, serverimpl.BasePath+"/contacts/create?token="+token(t, s), "application/json", `{"name":"`+strings.Repeat("x", 100)+`"}`)
		}, 413, "PAYLOAD_TOO_LARGE", "request body is over 64 bytes", ""},
		{"gateway: the upstream breaks off", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.sendPlain(t, http.MethodGet, serverimpl.BasePath+"/broken?token="+token(t, s))
		}, 502, "BAD_GATEWAY", " failed", ""},
		{"forward auth: no token", func(t *testing.T, s *reasonsStub) (int, []byte) {
			return s.send(t, http.MethodGet, gateway.CheckPath, "", "", gateway.HeaderOriginalURI, "/crmapi/rest/v2/contacts/list")
		}, 401, "INVALID_TOKEN", "no token was given", ""},
		{"forward auth: a released token", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			s.release(t, tok)
			return s.send(t, http.MethodGet, gateway.CheckPath, "", "", gateway.HeaderOriginalURI, "/crmapi/rest/v2/contacts/list?token="+url.QueryEscape(tok))
		}, 401, "INVALID_TOKEN", jdoeReleasedPrefix, jdoeReleasedPrefix},
		// Time: these move the stub's clock, so they come last.
		{"login token unused for 61 minutes", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			s.clock.Advance(61 * time.Minute)
			return s.send(t, http.MethodGet, "/guarded?token="+url.QueryEscape(tok), "", "")
		}, 401, "TOKEN_EXPIRED", "token expired: unused for 61 minutes, the limit is 60", "token expired: unused for 61 minutes, the limit is 60"},
		{"key token past its 2 hours", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := s.webAPIKeyToken(t)
			tokens = append(tokens, tok)
			s.clock.Advance(2*time.Hour + time.Second)
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "TOKEN_EXPIRED", "token expired: its lifetime of 2 hours from 13:01:00 UTC ended at 15:01:00 UTC", "token expired: its lifetime of 2 hours from 13:01:00 UTC ended at 15:01:00 UTC"},
		{"unknown to this server", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			if err := s.Reset(); err != nil {
				t.Fatal(err)
			}
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "INVALID_TOKEN", "token is unknown to this server: it is signed with this stub's secret, but no session", "token is unknown to this server"},
		{"a login token forgotten", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := token(t, s)
			if err := s.Reset(); err != nil {
				t.Fatal(err)
			}
			s.clock.Advance(2 * time.Hour)
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "TOKEN_EXPIRED", "token expired: unused for 60 minutes or more, the limit is 60 (session ", "token expired: unused for 60 minutes or more, the limit is 60"},
		{"a key token forgotten, past its exp", func(t *testing.T, s *reasonsStub) (int, []byte) {
			tok := s.webAPIKeyToken(t) // at 14:00
			tokens = append(tokens, tok)
			if err := s.Reset(); err != nil { // the clock back to 12:00
				t.Fatal(err)
			}
			s.clock.Advance(5 * time.Hour)
			return s.send(t, http.MethodPost, serverimpl.BasePath+opRelease, "application/json", releaseBody(tok))
		}, 401, "TOKEN_EXPIRED", "has passed (session ", "token expired: its exp claim, 16:00:00 UTC, has passed"},
	}
	for _, c := range cases {
		status, body := c.send(t, s)
		e := decodeEnvelope(t, body)
		entry := newestEntry(t, s.stub)
		if status != c.status || e.Status.Code != c.code {
			t.Errorf("%s: answered %d %s, want %d %s: %s", c.name, status, e.Status.Code, c.status, c.code, body)
			continue
		}
		if entry.Status != c.status || !strings.Contains(entry.Reason, c.reason) {
			t.Errorf("%s: the journal's entry (%d) gives the reason %q; want one saying %q", c.name, entry.Status, entry.Reason, c.reason)
		}
		if c.message == "" && !strings.Contains(e.Status.Message, c.reason) || c.message != "" && e.Status.Message != c.message {
			t.Errorf("%s: status.message is %q; want %q", c.name, e.Status.Message, cmp(c.message, c.reason))
		}
		for what, secret := range reasonSecrets(tokens) {
			if strings.Contains(entry.Reason, secret) || strings.Contains(string(body), secret) {
				t.Errorf("%s: the reason %q or the answer %s holds %s", c.name, entry.Reason, body, what)
			}
		}
	}
}

func cmp(message, reason string) string {
	if message != "" {
		return message
	}
	return "one saying " + reason
}

// reasonSecrets are what no reason or answer may hold.
func reasonSecrets(tokens []string) map[string]string {
	out := map[string]string{
		"the marker of the fixtures' secrets": reasonMarker,
		"the default password":                userPassword,
		"the default key":                     vendorKey,
		"the default authentication code":     vendorCode,
		"the default key's Basic credentials": strings.TrimPrefix(vendorBasic, "Basic "),
	}
	for _, k := range []string{webOnlyKey, consumerOnlyKey, unknownKey} {
		out["Basic credentials of "+k[:8]] = strings.TrimPrefix(keyAuth(k), "Basic ")
	}
	for i, tok := range tokens {
		out["token "+string(rune('A'+i%26))+" whole"] = tok
		out["token "+string(rune('A'+i%26))+"'s signature"] = tok[strings.LastIndex(tok, ".")+1:]
	}
	return out
}

// The stores' refusals have reasons too: the session limit, and a session store that does not
// answer.
func TestStoreRefusalsHaveReasons(t *testing.T) {
	limited := startReasonsStub(t, func(o *serverimpl.Options) { o.MaxSessions = 1 })
	limited.loginToken(t)
	status, body := limited.send(t, http.MethodPost, serverimpl.BasePath+opLogin, "application/json", loginBody(userName, userPassword, userOrganisation, ""))
	expectFailure(t, status, body, 503, "SERVICE_UNAVAILABLE", "the limit of live sessions is reached; release unused tokens")
	if e := newestEntry(t, limited.stub); !strings.Contains(e.Reason, "the session store holds as many live sessions as it may") {
		t.Errorf("the session limit's reason: %q", e.Reason)
	}

	down := startReasonsStub(t, func(o *serverimpl.Options) { o.Sessions = failingStore{sessions.NewMemory(0)} })
	status, body = down.send(t, http.MethodPost, serverimpl.BasePath+opLogin, "application/json", loginBody(userName, userPassword, userOrganisation, ""))
	expectFailure(t, status, body, 503, "SERVICE_UNAVAILABLE", "the session store is unavailable; try again shortly")
	if e := newestEntry(t, down.stub); !strings.Contains(e.Reason, "the session store did not answer: connection refused (test)") {
		t.Errorf("the unavailable store's reason: %q", e.Reason)
	}
}

// failingStore is a session store across a network that is down.
type failingStore struct{ *sessions.Memory }

var errStoreDown = errors.New("connection refused (test)")

func (failingStore) Add(context.Context, sessions.ID, sessions.Session) error { return errStoreDown }

// Unknown user, unknown organisation and wrong password get the same answer, byte for byte, and
// so do an unknown key and one of the other kind, and every wrong access token identifier:
// only the journal's reason tells them apart.
func TestRefusalsDoNotTellCredentialsApart(t *testing.T) {
	s := startReasonsStub(t, func(o *serverimpl.Options) { o.Throttle = serverimpl.ThrottleOptions{Disabled: true} })
	groups := map[string][][2]string{ // path, then body; the Authorization header in a third
		"login": {
			{opLogin, loginBody(userName, wrongSecret, userOrganisation, "")},
			{opLogin, loginBody("nobody", wrongSecret, userOrganisation, "")},
			{opLogin, loginBody(userName, wrongSecret, "nope_org", "")},
		},
	}
	keyed := map[string][][3]string{
		"Web API key": {
			{opWebKey, "{}", keyAuth(unknownKey)},
			{opWebKey, "{}", keyAuth(consumerOnlyKey)},
		},
		"consumer key": {
			{opConsumer, `{"access_token_identifier":{"authentication_code":"` + codeA + `"}}`, keyAuth(unknownKey)},
			{opConsumer, `{"access_token_identifier":{"authentication_code":"` + codeA + `"}}`, keyAuth(webOnlyKey)},
		},
		"access token identifier": {
			{opConsumer, `{"access_token_identifier":{"authentication_code":"` + wrongSecret + `"}}`, keyAuth(consumerOnlyKey)},
			{opConsumer, `{"access_token_identifier":{"identifier":"card-Z","pass_code":"` + passA + `"}}`, keyAuth(consumerOnlyKey)},
			{opConsumer, `{"access_token_identifier":{"identifier":"card-A","pass_code":"` + wrongSecret + `"}}`, keyAuth(consumerOnlyKey)},
			{opConsumer, `{"access_token_identifier":{"authentication_code":"` + codeA + `","identifier":"card-B","pass_code":"` + passB + `"}}`, keyAuth(consumerOnlyKey)},
		},
	}
	for name, reqs := range groups {
		for _, r := range reqs {
			keyed[name] = append(keyed[name], [3]string{r[0], r[1], ""})
		}
	}
	for name, reqs := range keyed {
		var first []byte
		reasons := map[string]bool{}
		for i, r := range reqs {
			var headers []string
			if r[2] != "" {
				headers = []string{"Authorization", r[2]}
			}
			status, body := s.send(t, http.MethodPost, serverimpl.BasePath+r[0], "application/json", r[1], headers...)
			if status != 401 {
				t.Fatalf("%s %d: %d %s", name, i, status, body)
			}
			if i == 0 {
				first = body
			} else if !bytes.Equal(body, first) {
				t.Errorf("%s: answers differ:\n%s\n%s", name, first, body)
			}
			reasons[newestEntry(t, s.stub).Reason] = true
		}
		if len(reasons) != len(reqs) {
			t.Errorf("%s: %d refusals have %d distinct reasons in the journal: %v", name, len(reqs), len(reasons), reasons)
		}
	}
}

// The Go token check's error carries the reason beside the answer's message.
func TestTokenErrorCarriesTheReason(t *testing.T) {
	s := startStub(t)
	token := s.loginToken(t)
	s.release(t, token)
	_, err := s.CheckToken(token)
	var te *serverimpl.TokenError
	if !errors.As(err, &te) || te.Message != "token has been released at 12:00:00 UTC" ||
		!strings.HasPrefix(te.Reason, te.Message+" (session ") || !strings.HasSuffix(te.Reason, " of jdoe@ps_dev)") {
		t.Fatalf("CheckToken of a released token: %#v", err)
	}
}
