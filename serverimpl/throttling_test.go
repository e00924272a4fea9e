package serverimpl_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// throttled is a stub handler in process, so each request can come from an address of the
// test's choice (a real server would only ever see 127.0.0.1).
type throttled struct {
	h     http.Handler
	clock *serverimpl.SettableClock
}

func newThrottled(t *testing.T, o serverimpl.ThrottleOptions) *throttled {
	t.Helper()
	clock := serverimpl.NewSettableClock(epoch)
	h, err := serverimpl.NewHandler(serverimpl.Options{Clock: clock, Throttle: o})
	if err != nil {
		t.Fatal(err)
	}
	return &throttled{h: h, clock: clock}
}

// send posts body to path from client (an IP address), with a Basic key when key != "".
func (s *throttled) send(t *testing.T, client, path, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, serverimpl.BasePath+path, strings.NewReader(body))
	req.RemoteAddr = client + ":40000"
	req.Header.Set("Content-Type", "application/json")
	// A forwarding header must not change who the client is.
	req.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(int(s.clock.Now().UnixNano()%200)))
	if key != "" {
		req.Header.Set("Authorization", basicAuth(key, ""))
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if err := answerConformance(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	return rec
}

// expect checks an answer's status and status.code; for 429 also Retry-After.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, code gen.ErrorCode, retryAfter int) {
	t.Helper()
	e := decodeEnvelope(t, rec.Body.Bytes())
	if rec.Code != status || e.Status.Code != string(code) {
		t.Fatalf("got %d %s, want %d %s: %s", rec.Code, e.Status.Code, status, code, rec.Body)
	}
	if status == http.StatusTooManyRequests {
		if got := rec.Header().Get("Retry-After"); got != strconv.Itoa(retryAfter) {
			t.Fatalf("Retry-After %q, want %d", got, retryAfter)
		}
		if !strings.Contains(e.Status.Message, strconv.Itoa(retryAfter)+" seconds") {
			t.Fatalf("message %q does not say how long to wait", e.Status.Message)
		}
	}
}

// ok is status.code of a success, as expect takes it.
const ok = gen.ErrorCode(gen.OK)

const (
	clientA = "192.0.2.10"
	clientB = "192.0.2.20"
)

var wrongLogin = loginWith("password", jsonString("not-the-password"))

func TestThrottleLoginPerAccount(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{})
	for range serverimpl.DefaultMaxFailures {
		s.clock.Advance(time.Second)
		expect(t, s.send(t, clientA, opLogin, "", wrongLogin), 401, gen.ErrorCodeInvalidCredentials, 0)
	}
	// Blocked for what is left of the window, counted from the first failure: even the right
	// password, and from another address (the account is what is being guessed).
	left := int((serverimpl.DefaultFailureWindow - time.Duration(serverimpl.DefaultMaxFailures-1)*time.Second) / time.Second)
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, left)
	expect(t, s.send(t, clientB, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, left)
	// Another account of the same organisation is not affected.
	expect(t, s.send(t, clientA, opLogin, "", loginWith("username", jsonString("someone-else"))), 401, gen.ErrorCodeInvalidCredentials, 0)

	s.clock.Advance(time.Duration(left-1) * time.Second)
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, 1)
	s.clock.Advance(time.Second)
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 200, ok, 0)
}

func TestThrottleSuccessResetsTheAccount(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{MaxFailures: 3})
	for range 3 {
		for range 2 {
			expect(t, s.send(t, clientA, opLogin, "", wrongLogin), 401, gen.ErrorCodeInvalidCredentials, 0)
		}
		expect(t, s.send(t, clientA, opLogin, "", validLogin), 200, ok, 0)
	}
	// Without the successes in between, the same six failures block the account.
	for range 3 {
		expect(t, s.send(t, clientA, opLogin, "", wrongLogin), 401, gen.ErrorCodeInvalidCredentials, 0)
	}
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, int(serverimpl.DefaultFailureWindow/time.Second))
}

func TestThrottlePerClientAddress(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{MaxFailuresPerClient: 20})
	// A client spraying accounts, each below its own limit.
	for i := range 20 {
		expect(t, s.send(t, clientA, opLogin, "", loginWith("username", jsonString("user-"+strconv.Itoa(i)))), 401, gen.ErrorCodeInvalidCredentials, 0)
	}
	window := int(serverimpl.DefaultFailureWindow / time.Second)
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, window)
	expect(t, s.send(t, clientA, opWebKey, vendorKey, "{}"), 429, gen.ErrorCodeTooManyRequests, window)
	// A success by the blocked client would not clear its address; another client is served.
	expect(t, s.send(t, clientB, opLogin, "", validLogin), 200, ok, 0)
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 429, gen.ErrorCodeTooManyRequests, window)
}

func TestThrottleWebAPIKey(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{MaxFailures: 4})
	const unknown = "00000000000000000000000000000000"
	for range 4 {
		expect(t, s.send(t, clientA, opWebKey, unknown, "{}"), 401, gen.ErrorCodeInvalidKey, 0)
	}
	window := int(serverimpl.DefaultFailureWindow / time.Second)
	expect(t, s.send(t, clientB, opWebKey, unknown, "{}"), 429, gen.ErrorCodeTooManyRequests, window)
	// The right key is another account: served.
	expect(t, s.send(t, clientA, opWebKey, vendorKey, "{}"), 200, ok, 0)
}

func TestThrottleConsumerPassCodes(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{MaxFailures: 5})
	guess := func(code string) string {
		return `{"access_token_identifier":{"identifier":"maytemplate-card-0001","pass_code":"` + code + `"}}`
	}
	for i := range 5 {
		expect(t, s.send(t, clientA, opConsumer, vendorKey, guess(strconv.Itoa(1000+i))), 401, gen.ErrorCodeInvalidAccessTokenIdentifier, 0)
	}
	// Guessing pass codes under one key blocks that key, even with the right pass code.
	window := int(serverimpl.DefaultFailureWindow / time.Second)
	expect(t, s.send(t, clientB, opConsumer, vendorKey, guess(cardPassCode)), 429, gen.ErrorCodeTooManyRequests, window)
	// The web API key method counts the same key as the same account.
	expect(t, s.send(t, clientB, opWebKey, vendorKey, "{}"), 429, gen.ErrorCodeTooManyRequests, window)
	s.clock.Advance(serverimpl.DefaultFailureWindow)
	expect(t, s.send(t, clientB, opConsumer, vendorKey, guess(cardPassCode)), 200, ok, 0)
}

func TestThrottleOnlyCountsWrongSecrets(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{MaxFailures: 2, MaxFailuresPerClient: 2})
	// Malformed requests and refused units are not guesses of a secret.
	for range 5 {
		expect(t, s.send(t, clientA, opLogin, "", `{"username":"jdoe"}`), 400, gen.ErrorCodeInvalidRequest, 0)
		expect(t, s.send(t, clientA, opLogin, "", loginWith("unit", jsonString("9"))), 403, gen.ErrorCodeUnitNotAllowed, 0)
	}
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 200, ok, 0)
}

func TestThrottleDisabled(t *testing.T) {
	s := newThrottled(t, serverimpl.ThrottleOptions{Disabled: true})
	for range 3 * serverimpl.DefaultMaxFailures {
		expect(t, s.send(t, clientA, opLogin, "", wrongLogin), 401, gen.ErrorCodeInvalidCredentials, 0)
	}
	expect(t, s.send(t, clientA, opLogin, "", validLogin), 200, ok, 0)
}

func TestThrottleOptionsRefused(t *testing.T) {
	if _, err := serverimpl.New(serverimpl.Options{Throttle: serverimpl.ThrottleOptions{Window: -time.Second}}); err == nil {
		t.Fatal("a negative window was accepted")
	}
}
