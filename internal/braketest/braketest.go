// Package braketest is the contract of the stub's brute-force brake as its clients see it,
// whatever keeps the counts and the sessions: the in-memory stores, and Redis (redisstate) on
// a single node, where an issuing method records its attempt in one script
// (throttle.AttemptStore), and on a Cluster, where it does not. The same answers, case for
// case, through the real handler stack.
package braketest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// Configure gives o the stores under test, fresh for each case (as
// redisstate.State.Configure does); nothing for the in-memory stores.
type Configure func(t *testing.T, o *serverimpl.Options)

// Run runs the contract.
func Run(t *testing.T, configure Configure) {
	cases := []struct {
		name string
		run  func(t *testing.T, configure Configure)
	}{
		{"LoginPerAccount", loginPerAccount},
		{"SuccessResetsTheAccount", successResetsTheAccount},
		{"PerClientAddress", perClientAddress},
		{"WebAPIKey", webAPIKey},
		{"ConsumerPassCodes", consumerPassCodes},
		{"OnlyCountsWrongSecrets", onlyCountsWrongSecrets},
		{"Disabled", disabled},
		{"BcryptPasswords", bcryptPasswords},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, configure) })
	}
}

// The default fixtures' credentials.
const (
	vendorKey    = "EE73C0AE64524371B5DDEFF5F7BB2192"
	unknownKey   = "00000000000000000000000000000000"
	password     = "s3cret-Passw0rd"
	cardPassCode = "4321"
	clientA      = "192.0.2.10"
	clientB      = "192.0.2.20"

	opLogin    = "/authentication/token"
	opWebKey   = "/authentication/web_api_key/token"
	opConsumer = "/authentication/consumer_application_key/token"
)

func login(username, password string) string {
	return `{"username":"` + username + `","password":"` + password + `","organisation":"ps_dev"}`
}

func loginUnit(unit string) string {
	return `{"username":"jdoe","password":"` + password + `","organisation":"ps_dev","unit":"` + unit + `"}`
}

func passCode(code string) string {
	return `{"access_token_identifier":{"identifier":"maytemplate-card-0001","pass_code":"` + code + `"}}`
}

var (
	validLogin = login("jdoe", password)
	wrongLogin = login("jdoe", "not-the-password")
	window     = int(serverimpl.DefaultFailureWindow / time.Second)
)

// stub is one case's stub, in process, so each request comes from an address of the case's
// choice.
type stub struct {
	h     http.Handler
	opts  serverimpl.Options
	clock *serverimpl.SettableClock
}

func newStub(t *testing.T, configure Configure, th serverimpl.ThrottleOptions, f *serverimpl.Fixtures) *stub {
	t.Helper()
	clock := serverimpl.NewSettableClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	o := serverimpl.Options{Clock: clock, Throttle: th, Fixtures: f, JournalSize: -1}
	configure(t, &o)
	if o.Sessions == nil {
		o.Sessions = sessions.NewMemory(serverimpl.DefaultMaxSessions) // the stub's own default, so the case can count
	}
	h, err := serverimpl.NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	return &stub{h: h, opts: o, clock: clock}
}

// expect posts body to path from client (with a Basic key when key != "") and checks the
// answer's status, status.code and, for 429, Retry-After and the message saying it.
func (s *stub) expect(t *testing.T, client, path, key, body string, status int, code string, retryAfter int) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, serverimpl.BasePath+path, strings.NewReader(body))
	req.RemoteAddr = client + ":40000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "198.51.100.7") // never who the client is
	if key != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	var env struct {
		Status struct{ Code, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: %d, not the envelope: %s", path, rec.Code, rec.Body)
	}
	if rec.Code != status || env.Status.Code != code {
		t.Fatalf("%s from %s: got %d %s, want %d %s: %s", path, client, rec.Code, env.Status.Code, status, code, rec.Body)
	}
	if status == http.StatusTooManyRequests {
		if got := rec.Header().Get("Retry-After"); got != strconv.Itoa(retryAfter) {
			t.Fatalf("%s from %s: Retry-After %q, want %d", path, client, got, retryAfter)
		}
		if !strings.Contains(env.Status.Message, strconv.Itoa(retryAfter)+" seconds") {
			t.Fatalf("message %q does not say how long to wait", env.Status.Message)
		}
	}
}

// sessions is how many sessions the stub's store holds.
func (s *stub) sessions(t *testing.T) int {
	t.Helper()
	n, err := s.opts.Sessions.Len(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func loginPerAccount(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{}, nil)
	for range serverimpl.DefaultMaxFailures {
		s.clock.Advance(time.Second)
		s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
	}
	// Blocked for what is left of the window, counted from the first failure: even the right
	// password, from another address too; and a blocked attempt stores no session and counts
	// nothing (else the window would not end when it says).
	left := window - (serverimpl.DefaultMaxFailures - 1)
	before := s.sessions(t)
	s.expect(t, clientA, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", left)
	s.expect(t, clientB, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", left)
	s.expect(t, clientB, opLogin, "", wrongLogin, 429, "TOO_MANY_REQUESTS", left)
	if n := s.sessions(t); n != before {
		t.Fatalf("blocked attempts stored %d sessions", n-before)
	}
	// Another account of the same organisation is not affected.
	s.expect(t, clientA, opLogin, "", login("someone-else", password), 401, "INVALID_CREDENTIALS", 0)

	s.clock.Advance(time.Duration(left-1) * time.Second)
	s.expect(t, clientA, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", 1)
	s.clock.Advance(time.Second)
	s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
	if n := s.sessions(t); n != before+1 {
		t.Fatalf("the store holds %d sessions more, want 1", n-before)
	}
}

func successResetsTheAccount(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailures: 3}, nil)
	for range 3 {
		for range 2 {
			s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
		}
		s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
	}
	// Without the successes in between, the same failures block the account.
	for range 3 {
		s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
	}
	s.expect(t, clientA, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", window)
}

func perClientAddress(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailuresPerClient: 20}, nil)
	// A client spraying accounts, each below its own limit; its successes in between do not
	// clear its address's count.
	for i := range 20 {
		s.expect(t, clientA, opLogin, "", login("user-"+strconv.Itoa(i), password), 401, "INVALID_CREDENTIALS", 0)
		if i == 10 {
			s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
		}
	}
	s.expect(t, clientA, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", window)
	s.expect(t, clientA, opWebKey, vendorKey, "{}", 429, "TOO_MANY_REQUESTS", window)
	s.expect(t, clientA, opConsumer, vendorKey, passCode(cardPassCode), 429, "TOO_MANY_REQUESTS", window)
	// Another client is served, and its success does not clear the blocked address.
	s.expect(t, clientB, opLogin, "", validLogin, 200, "OK", 0)
	s.expect(t, clientA, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", window)
}

func webAPIKey(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailures: 4}, nil)
	for range 4 {
		s.expect(t, clientA, opWebKey, unknownKey, "{}", 401, "INVALID_KEY", 0)
	}
	s.expect(t, clientB, opWebKey, unknownKey, "{}", 429, "TOO_MANY_REQUESTS", window)
	// The right key is another account: served.
	s.expect(t, clientA, opWebKey, vendorKey, "{}", 200, "OK", 0)
}

func consumerPassCodes(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailures: 5}, nil)
	for i := range 5 {
		s.expect(t, clientA, opConsumer, vendorKey, passCode(strconv.Itoa(1000+i)), 401, "INVALID_ACCESS_TOKEN_IDENTIFIER", 0)
	}
	// Guessing pass codes under one key blocks that key, even with the right pass code; the
	// web API key method counts the same key as the same account.
	before := s.sessions(t)
	s.expect(t, clientB, opConsumer, vendorKey, passCode(cardPassCode), 429, "TOO_MANY_REQUESTS", window)
	s.expect(t, clientB, opWebKey, vendorKey, "{}", 429, "TOO_MANY_REQUESTS", window)
	if n := s.sessions(t); n != before {
		t.Fatalf("blocked attempts stored %d sessions", n-before)
	}
	s.clock.Advance(serverimpl.DefaultFailureWindow)
	s.expect(t, clientB, opConsumer, vendorKey, passCode(cardPassCode), 200, "OK", 0)
	s.expect(t, clientB, opWebKey, vendorKey, "{}", 200, "OK", 0)
}

func onlyCountsWrongSecrets(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailures: 2, MaxFailuresPerClient: 2}, nil)
	// Malformed requests and refused units are not guesses of a secret.
	for range 5 {
		s.expect(t, clientA, opLogin, "", `{"username":"jdoe"}`, 400, "INVALID_REQUEST", 0)
		s.expect(t, clientA, opLogin, "", loginUnit("9"), 403, "UNIT_NOT_ALLOWED", 0)
		s.expect(t, clientA, opWebKey, vendorKey, `{"unit":"9"}`, 403, "UNIT_NOT_ALLOWED", 0)
	}
	s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
	// But while blocked, a refused unit is refused as blocked too, like any attempt.
	for range 2 {
		s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
	}
	s.expect(t, clientA, opLogin, "", loginUnit("9"), 429, "TOO_MANY_REQUESTS", window)
	s.expect(t, clientA, opWebKey, vendorKey, `{"unit":"9"}`, 429, "TOO_MANY_REQUESTS", window)
}

func disabled(t *testing.T, configure Configure) {
	s := newStub(t, configure, serverimpl.ThrottleOptions{Disabled: true}, nil)
	for range 3 * serverimpl.DefaultMaxFailures {
		s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
	}
	s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
	s.expect(t, clientA, opWebKey, vendorKey, "{}", 200, "OK", 0)
}

// bcryptPasswords: fixtures with a bcrypt password (whose check the brake asks before, see
// throttle.AttemptStore) get the same answers.
func bcryptPasswords(t *testing.T, configure Configure) {
	f := serverimpl.DefaultFixtures()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f.Users[0].Password = string(hash)
	s := newStub(t, configure, serverimpl.ThrottleOptions{MaxFailures: 2}, f)
	s.expect(t, clientA, opLogin, "", validLogin, 200, "OK", 0)
	for range 2 {
		s.expect(t, clientA, opLogin, "", wrongLogin, 401, "INVALID_CREDENTIALS", 0)
	}
	s.expect(t, clientB, opLogin, "", validLogin, 429, "TOO_MANY_REQUESTS", window)
	s.clock.Advance(serverimpl.DefaultFailureWindow)
	s.expect(t, clientB, opLogin, "", validLogin, 200, "OK", 0)
}
