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

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// lockedBuffer collects log output written from the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Every secret in this test contains logMarker, so one search finds any of them in the logs.
const logMarker = "LOGSECRET"

const (
	logPassword       = "Pw-LOGSECRET-7f3a9c"
	logHashedPassword = "Pw-Hashed-LOGSECRET-b41e"
	logWebKey         = "WEBKEY-LOGSECRET-0000000000000A"
	logConsumerKey    = "CONSKEY-LOGSECRET-000000000000B"
	logAuthCode       = "AuthCode-LOGSECRET-x1"
	logPassCode       = "PassCode-LOGSECRET-99"
	logSigningSecret  = "SigningSecret-LOGSECRET-0123456789"
)

func logSecretsFixtures(t *testing.T) *serverimpl.Fixtures {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(logHashedPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return &serverimpl.Fixtures{
		Users: []serverimpl.User{
			{Username: "plain", Password: logPassword, Organisation: "org_logs", DefaultUnit: "1", Units: []string{"1"}},
			{Username: "hashed", Password: string(hash), Organisation: "org_logs", DefaultUnit: "1", Units: []string{"1"}},
		},
		WebAPIKeys: []serverimpl.WebAPIKey{
			{Key: logWebKey, Organisation: "org_logs", User: "svc", DefaultUnit: "1", Units: []string{"1"}},
		},
		ConsumerApplicationKeys: []serverimpl.ConsumerApplicationKey{{
			Key: logConsumerKey, Organisation: "org_logs", User: "svc", DefaultUnit: "1", Units: []string{"1"},
			AccessTokens: []serverimpl.AccessToken{{
				AuthenticationCode: logAuthCode, Identifier: "card-logs-0001", PassCode: logPassCode,
				Contact: strings.Repeat("C", 32), AccountsReceivable: strings.Repeat("A", 32),
			}},
		}},
	}
}

// teeAnswers copies every answer's body into a buffer, for the check that none holds a secret.
type teeAnswers struct {
	http.ResponseWriter
	to *lockedBuffer
}

func (w teeAnswers) Write(p []byte) (int, error) {
	w.to.Write(append(p[:len(p):len(p)], '\n'))
	return w.ResponseWriter.Write(p)
}

// TestLogsHoldNoSecrets runs every method, successes and failures, at debug level, and checks
// that no password, key, pass code, authentication code, signing secret or whole token (nor a
// token's signature) reaches the logs, the journal (a refusal's reason above all) or a refusal's
// answer (status.message).
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := startStub(t, func(o *serverimpl.Options) {
		o.Logger = logger
		o.Fixtures = logSecretsFixtures(t)
		o.Secret = []byte(logSigningSecret)
	})
	var answers lockedBuffer
	s.Echo().Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Writer = teeAnswers{c.Response().Writer, &answers}
			return next(c)
		}
	})
	// A route added by a Go team, guarded by the exported token check.
	s.Echo().GET("/guarded", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, s.RequireToken())

	ctx := context.Background()
	var tokens []string
	issued := func(status int, body []byte, token string) {
		t.Helper()
		if status != http.StatusOK || token == "" {
			t.Fatalf("expected a token: %d %s", status, body)
		}
		tokens = append(tokens, token)
	}
	login := func(user, password string) *gen.LoginResponse {
		t.Helper()
		resp, err := s.client.LoginWithResponse(ctx, gen.LoginRequest{Username: user, Password: password, Organisation: "org_logs"})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	webKey := func(key string) *gen.GetWebApiKeyTokenResponse {
		t.Helper()
		resp, err := s.client.GetWebApiKeyTokenWithResponse(ctx, gen.WebApiKeyTokenRequest{}, basic(key))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	consumer := func(key string, id gen.AccessTokenIdentifier) *gen.GetConsumerApplicationKeyTokenResponse {
		t.Helper()
		resp, err := s.client.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.ConsumerApplicationKeyTokenRequest{AccessTokenIdentifier: id}, basic(key))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// Successes.
	r := login("plain", logPassword)
	issued(r.StatusCode(), r.Body, r.JSON200.Data.Token)
	r = login("hashed", logHashedPassword)
	issued(r.StatusCode(), r.Body, r.JSON200.Data.Token)
	w := webKey(logWebKey)
	issued(w.StatusCode(), w.Body, w.JSON200.Data.Token)
	c := consumer(logConsumerKey, gen.AccessTokenIdentifier{AuthenticationCode: ptr(logAuthCode)})
	issued(c.StatusCode(), c.Body, c.JSON200.Data.Token)
	c = consumer(logConsumerKey, gen.AccessTokenIdentifier{Identifier: ptr("card-logs-0001"), PassCode: ptr(logPassCode)})
	issued(c.StatusCode(), c.Body, c.JSON200.Data.Token)

	// Failures that carry a secret.
	login("plain", "Wrong-LOGSECRET-1")
	login("nobody", logPassword)
	login("hashed", "Wrong-LOGSECRET-2")
	webKey("UNKNOWN-LOGSECRET-KEY")
	s.post(t, opWebKey, "application/json", []byte("{}"), "Authorization", basicAuth(logWebKey, logPassword)) // a password where none belongs
	s.post(t, opWebKey, "application/json", []byte("{}"), "Authorization", "Basic "+logWebKey)                // not base64
	s.post(t, opWebKey, "application/json", []byte("{}"), "Authorization", "Bearer "+logWebKey)               // wrong scheme
	consumer(logConsumerKey, gen.AccessTokenIdentifier{AuthenticationCode: ptr("WrongCode-LOGSECRET")})
	consumer(logConsumerKey, gen.AccessTokenIdentifier{Identifier: ptr("card-logs-0001"), PassCode: ptr("WrongPass-LOGSECRET")})
	consumer("UNKNOWN-LOGSECRET-CONSKEY", gen.AccessTokenIdentifier{AuthenticationCode: ptr(logAuthCode)})
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":"`+logPassword+`","organisation":"org_logs"`))                           // truncated
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":"`+logPassword+`","organisation":"org_logs","x":1}`))                    // unknown member
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":"`+logPassword+strings.Repeat("x", 300)+`","organisation":"org_logs"}`)) // too long
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":"`+logPassword+`","organisation":"org_logs"} trailing`))
	s.post(t, opLogin, "text/plain", []byte(`{"username":"plain","password":"`+logPassword+`","organisation":"org_logs"}`))
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":"`+logPassword+strings.Repeat(" ", serverimpl.MaxBodyBytes)+`"}`))
	s.post(t, opLogin, "application/json", []byte(`{"username":"plain","password":`+strings.Repeat("[", 100)+`"`+logPassword+`"`+strings.Repeat("]", 100)+`,"organisation":"org_logs"}`))
	for range 30 { // on into throttling
		login("plain", "Guess-LOGSECRET")
	}
	for range 30 {
		webKey("Guess-LOGSECRET-KEY")
	}

	// Tokens: used, released, released again, forged, sent where they do not belong.
	for _, token := range tokens {
		if _, err := s.CheckToken(token); err != nil {
			t.Fatal(err)
		}
		resp, _ := s.do(t, http.MethodGet, "/guarded", "", nil, "Authorization", "Bearer "+token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("guarded route refused a live token: %d", resp.StatusCode)
		}
		s.do(t, http.MethodGet, "/guarded?token="+token, "", nil)
	}
	for _, token := range tokens {
		if resp := s.release(t, token); resp.JSON200 == nil {
			t.Fatalf("release: %d %s", resp.StatusCode(), resp.Body)
		}
		s.release(t, token)
		s.do(t, http.MethodGet, "/guarded", "", nil, "Authorization", "Bearer "+token)
		dot := strings.LastIndex(token, ".")
		s.release(t, token[:dot]+".AAAA"+token[dot+5:])
		s.post(t, opRelease, "application/json", []byte(`{"token":"`+token+`","x":1}`))
		s.post(t, opRelease, "application/json", []byte(`{"token":"`+token+`"`))
		s.post(t, opWebKey, "application/json", []byte("{}"), "Authorization", "Bearer "+token)
	}

	out := logs.String()
	if strings.Count(out, `"msg":"request"`) < 60 {
		t.Fatalf("expected a log line per request, got:\n%s", out)
	}
	entries, err := s.Requests(journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	var journalled strings.Builder
	for _, e := range entries {
		if e.Status >= 400 {
			refusals++
			if e.Reason == "" {
				t.Errorf("a refusal has no reason in the journal: %+v", e)
			}
		}
		data, _ := json.Marshal(e)
		journalled.Write(append(data, '\n'))
	}
	if refusals < 60 {
		t.Fatalf("expected the refusals in the journal, got %d", refusals)
	}
	// The answers to refusals only: a token's answer holds its token, of course.
	var refusedAnswers strings.Builder
	for line := range strings.SplitSeq(answers.String(), "\n") {
		if !strings.Contains(line, `"code":"OK"`) {
			refusedAnswers.WriteString(line + "\n")
		}
	}
	if n := strings.Count(refusedAnswers.String(), `"status":{"code":"`); n < refusals {
		t.Fatalf("%d refusals' answers seen, want %d", n, refusals)
	}
	forbidden := map[string]string{
		"the marker every secret carries":                  logMarker,
		"the Web API key's Basic credentials":              base64.StdEncoding.EncodeToString([]byte(logWebKey + ":")),
		"the consumer application key's Basic credentials": base64.StdEncoding.EncodeToString([]byte(logConsumerKey + ":")),
	}
	for i, token := range tokens {
		forbidden["token"] = token
		forbidden["a token's signature"] = token[strings.LastIndex(token, ".")+1:]
		forbidden["a token's claims"] = strings.Split(token, ".")[1]
		for what, secret := range forbidden {
			for where, text := range map[string]string{"logs": out, "journal": journalled.String(), "refusals' answers": refusedAnswers.String()} {
				if strings.Contains(text, secret) {
					t.Errorf("the %s hold %s (token %d): %q", where, what, i, secret)
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("logs:\n%s\njournal:\n%s\nanswers:\n%s", out, journalled.String(), refusedAnswers.String())
	}
}
