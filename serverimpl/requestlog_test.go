package serverimpl_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// logCapture is an io.Writer for a slog handler that the stub writes from many goroutines.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestRequestLogHoldsNoSecrets runs all four methods, succeeding and failing, with every
// secret the fixtures know, and checks the debug-level log: one line per request, the
// operation and jti there, and no password, key, code, pass code or whole token anywhere.
func TestRequestLogHoldsNoSecrets(t *testing.T) {
	var logs logCapture
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := startStub(t, func(o *serverimpl.Options) { o.Logger = logger })
	ctx := context.Background()

	var tokens []string
	tokens = append(tokens, s.loginToken(t), s.webAPIKeyToken(t), s.consumerToken(t))
	id, err := s.client.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.ConsumerApplicationKeyTokenRequest{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{Identifier: ptr(cardIdentifier), PassCode: ptr(cardPassCode)},
	}, basic(vendorKey))
	if err != nil || id.JSON200 == nil {
		t.Fatal(err, string(id.Body))
	}
	tokens = append(tokens, id.JSON200.Data.Token)
	// Failures carrying secrets: wrong password (close to the real one), a password sent as a
	// Basic password, a wrong code, a token in the query string of an unknown route.
	if _, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: userName, Password: userPassword + "x", Organisation: userOrganisation}); err != nil {
		t.Fatal(err)
	}
	s.post(t, "/authentication/web_api_key/token", "application/json", []byte("{}"), "Authorization", "Basic "+b64(vendorKey+":"+userPassword))
	s.post(t, "/authentication/consumer_application_key/token", "application/json", []byte(`{"access_token_identifier":{"authentication_code":"p_kestora1?"}}`), "Authorization", vendorBasic)
	s.do(t, http.MethodGet, "/crmapi/rest/v2/contacts?token="+tokens[0], "", nil)
	for _, tok := range tokens {
		if r := s.release(t, tok); r.JSON200 == nil {
			t.Fatalf("release: %s", r.Body)
		}
		s.release(t, tok) // and again, refused
	}

	out := logs.String()
	secrets := []string{userPassword, userPassword + "x", vendorKey, vendorBasic, strings.TrimPrefix(vendorBasic, "Basic "),
		b64(vendorKey + ":" + userPassword), vendorCode, "p_kestora1?", cardPassCode + `"`, `"` + cardPassCode}
	for _, tok := range tokens {
		secrets = append(secrets, tok, tok[strings.LastIndex(tok, ".")+1:]) // the token, and its signature alone
	}
	for _, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a secret (%.12s...)", secret)
		}
	}
	if strings.Contains(out, base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT"`))[:10]) {
		t.Error("the log holds a token header")
	}

	// The log is there and useful: one JSON line per request, with operation and jti.
	lines, operations, jtis := 0, map[string]bool{}, 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %s", line)
		}
		if rec["msg"] != "request" {
			continue
		}
		lines++
		if op, ok := rec["operation"].(string); ok {
			operations[op] = true
		}
		if _, ok := rec["jti"]; ok {
			jtis++
		}
	}
	if lines != 16 || len(operations) != 4 || jtis < 8 {
		t.Fatalf("log has %d request lines (want 16), operations %v, %d with a jti:\n%s", lines, operations, jtis, out)
	}
}

// recorded is a RequestRecorder of the test's own that keeps what it is given.
type recorded struct {
	mu      sync.Mutex
	entries []journal.Entry
	counted []bool
}

func (r *recorded) Record(_ context.Context, e journal.Entry, counted bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries, r.counted = append(r.entries, e), append(r.counted, counted)
	return nil
}

// countingJournal fails the test if the stub appends to it past the recorder.
type countingJournal struct {
	journal.Store
	t *testing.T
}

func (j countingJournal) Append(context.Context, journal.Entry) error {
	j.t.Error("the stub appended to the journal although a Recorder was set")
	return nil
}

// TestRecorderTakesJournalAndCoverage: with Options.Recorder the stub writes each answered
// request once, through it, counted for coverage when it is one of CRM.COM's methods, and
// neither appends to the journal nor adds to coverage itself.
func TestRecorderTakesJournalAndCoverage(t *testing.T) {
	rec := &recorded{}
	counts := coverage.NewMemory()
	s := startStub(t, func(o *serverimpl.Options) {
		o.Journal = countingJournal{journal.NewMemory(10), t}
		o.Coverage, o.Recorder = counts, rec
	})
	s.loginToken(t)
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.entries) != 2 {
		t.Fatalf("the recorder got %d requests, want 2", len(rec.entries))
	}
	if e := rec.entries[0]; e.Operation != "Login" || e.Status != 200 || e.Code != "OK" || !e.HasSession || !rec.counted[0] {
		t.Fatalf("the login was recorded as %+v, counted %v", e, rec.counted[0])
	}
	if e := rec.entries[1]; e.Path != "/healthz" || rec.counted[1] {
		t.Fatalf("/healthz was recorded as %+v, counted %v (only the four methods are)", e, rec.counted[1])
	}
	if given, _ := counts.Snapshot(context.Background()); len(given) != 0 {
		t.Fatalf("the stub added to coverage itself: %v", given)
	}
}
