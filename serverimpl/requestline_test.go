package serverimpl_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestRequestLineMatchesSlogTextHandler sends the same 1,800 requests (every method, answered
// and refused, unknown and odd paths, admin and operational routes, peers over IPv4 and IPv6)
// through a stub logging with slog.NewTextHandler and one logging with textlog (crmauth
// serve's handler, whose direct path the request line takes), and requires the same log line
// for line, byte for byte, but for the values that differ from one run to the next: the
// time, the duration and a token's jti, which must still have slog's form.
// textlog.TestLineMatchesSlog holds the direct path's formatting to slog's over 50,000 lines.
func TestRequestLineMatchesSlogTextHandler(t *testing.T) {
	run := func(h func(*logCapture) slog.Handler) string {
		t.Helper()
		var logs logCapture
		s, err := serverimpl.New(serverimpl.Options{Secret: []byte("request line"), Logger: slog.New(h(&logs)), Admin: true,
			Clock: serverimpl.NewSettableClock(epoch)})
		if err != nil {
			t.Fatal(err)
		}
		send := func(method, path, body, auth, remote string) *httptest.ResponseRecorder {
			var r *http.Request
			if body == "" {
				r = httptest.NewRequest(method, path, nil)
			} else {
				r = httptest.NewRequest(method, path, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
			}
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			r.RemoteAddr = remote
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			return w
		}
		remotes := []string{"192.0.2.1:1234", "[::1]:5555", "127.0.0.1:80", "[2001:db8::7]:443"}
		paths := []string{"/authentication/web_api_key/token", "/authentication/token", "/authentication/token/release",
			"/authentication/consumer_application_key/token", "/contacts", "/a%20b", "/k=v", "/%22q%22", "/%C3%A9", "/%E2%80%A8"}
		bodies := []string{"", "{}", budgetLoginBody, budgetConsumer, `{"token":"x.y.z"}`, `{"username":"jdoe"}`, "{"}
		auths := []string{"", budgetKeyAuth, "Basic eA==", "Bearer x"}
		for i := range 2 {
			for _, remote := range remotes {
				for _, path := range paths {
					for _, body := range bodies {
						for _, auth := range auths[:2+2*i] {
							send(http.MethodPost, serverimpl.BasePath+path, body, auth, remote)
						}
					}
					send(http.MethodGet, serverimpl.BasePath+path, "", "", remote)
				}
				// A real release, and the operational and admin routes.
				tok := issueBudgetToken(t, s)
				send(http.MethodPost, serverimpl.BasePath+"/authentication/token/release", `{"token":"`+tok+`"}`, "", remote)
				send(http.MethodGet, "/healthz", "", "", remote)
				send(http.MethodGet, "/_crmauth/requests", "", "", remote)
				send(http.MethodDelete, "/", "", "", remote)
			}
		}
		return logs.String()
	}
	slogLines := run(func(w *logCapture) slog.Handler { return slog.NewTextHandler(w, nil) })
	directLines := run(func(w *logCapture) slog.Handler { return textlog.New(w, nil) })

	// The values that vary between runs, each in slog's form, replaced by a placeholder.
	times := regexp.MustCompile(`(?m)^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) `)
	durations := regexp.MustCompile(`(?m) duration=(\d+(\.\d+)?(ns|µs|ms|s)|\d+m[\d.]+s|0s)( |$)`)
	jtis := regexp.MustCompile(`(?m) jti=[0-9A-F]{32}( |$)`)
	mask := func(log string) string {
		log = times.ReplaceAllString(log, "time=T ")
		log = durations.ReplaceAllString(log, " duration=D$4")
		return jtis.ReplaceAllString(log, " jti=J$1")
	}
	a, b := strings.Split(mask(slogLines), "\n"), strings.Split(mask(directLines), "\n")
	if len(a) < 1800 || len(a) != len(b) {
		t.Fatalf("slog's handler wrote %d lines, textlog %d", len(a), len(b))
	}
	var withJTI int
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("line %d differs:\n   slog: %s\ntextlog: %s", i+1, a[i], b[i])
		}
		if a[i] != "" && !strings.HasPrefix(a[i], "time=T level=") {
			t.Fatalf("line %d: time not in slog's form: %s", i+1, a[i])
		}
		if strings.Contains(a[i], " msg=request ") && !strings.Contains(a[i], " duration=D ") {
			t.Fatalf("line %d: duration not in slog's form: %s", i+1, a[i])
		}
		if strings.Contains(a[i], " jti=") {
			withJTI++
			if !strings.Contains(a[i], " jti=J") {
				t.Fatalf("line %d: jti not in slog's form: %s", i+1, a[i])
			}
		}
	}
	if withJTI < 50 || !bytes.Contains([]byte(slogLines), []byte(`path="/crmapi/rest/v2/a b"`)) {
		t.Fatalf("the requests did not cover issued tokens (%d lines with a jti) or quoted paths", withJTI)
	}
}
