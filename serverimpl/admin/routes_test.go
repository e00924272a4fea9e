package admin_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

func listRequests(t *testing.T, s *stub, p adminapi.ListRequestsParams) (int, []adminapi.RequestEntry) {
	t.Helper()
	resp, err := s.admin.ListRequestsWithResponse(ctx, &p)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("ListRequests: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Data.Count, resp.JSON200.Data.Requests
}

func countRequests(t *testing.T, s *stub, p adminapi.CountRequestsParams) int {
	t.Helper()
	resp, err := s.admin.CountRequestsWithResponse(ctx, &p)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("CountRequests: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Data.Count
}

// Every journal filter, through the generated admin client, against what the test did.
func TestJournalRoutes(t *testing.T) {
	s := startStub(t)
	step := func() { s.clock.Advance(time.Second) }
	token, _ := s.login(t, userName, userPassword) // 12:00:00
	step()
	if _, status := s.login(t, userName, "wrong"); status != 401 { // :01
		t.Fatalf("wrong password: %d", status)
	}
	step()
	s.keyToken(t) // :02
	step()
	if _, status := s.consumerToken(t, gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode)}); status != 200 { // :03
		t.Fatal(status)
	}
	step()
	since := s.clock.Now()
	if status, code := s.release(t, token); status != 200 || code != "OK" { // :04
		t.Fatalf("release %d %s", status, code)
	}
	step()
	if status, code := s.release(t, token); status != 401 || code != "INVALID_TOKEN" { // :05
		t.Fatalf("second release %d %s", status, code)
	}
	step()
	if _, status := s.consumerToken(t, gen.AccessTokenIdentifier{AuthenticationCode: ptr(vendorCode)},
		header(serverimpl.FaultHeader, "503")); status != 503 { // :06
		t.Fatalf("injected fault: %d", status)
	}
	step()
	for _, path := range []string{"/healthz", serverimpl.BasePath + "/contacts/list"} { // :07
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	n, all := listRequests(t, s, adminapi.ListRequestsParams{})
	if n != 9 || len(all) != 9 {
		t.Fatalf("journal holds %d entries (%d listed), want 9 (admin routes are not journalled)", n, len(all))
	}
	if all[0].Path != serverimpl.BasePath+"/contacts/list" || all[0].Status != 404 || *all[0].Code != "NOT_FOUND" || all[0].Operation != nil {
		t.Errorf("newest entry %+v, want the 404", all[0])
	}
	login := all[len(all)-1]
	if *login.Operation != "Login" || login.Method != "POST" || login.Status != 200 || *login.Code != "OK" ||
		login.Session == nil || *login.Session != jti(t, token) || login.Holder == nil || login.Holder.Username != userName ||
		login.Holder.Organisation != organisation || login.Holder.Unit != "1" || !login.Time.Equal(epoch) || login.Client != "127.0.0.1" {
		t.Errorf("login entry %+v", login)
	}
	if f := all[2]; f.Fault == nil || *f.Fault != "SERVICE_UNAVAILABLE" || f.Status != 503 {
		t.Errorf("fault entry %+v", f)
	}
	consumer := all[5]
	if consumer.Holder == nil || consumer.Holder.Contact == nil || *consumer.Holder.Contact != "2695FED3FCFD4084AB39F44B18889123" {
		t.Errorf("consumer entry's holder %+v", consumer.Holder)
	}

	session := jti(t, token)
	for _, c := range []struct {
		name string
		p    adminapi.ListRequestsParams
		want int
	}{
		{"operation", adminapi.ListRequestsParams{Operation: ptr("ReleaseToken")}, 2},
		{"path", adminapi.ListRequestsParams{Operation: ptr("/healthz")}, 1},
		{"status", adminapi.ListRequestsParams{Status: ptr(401)}, 2},
		{"code", adminapi.ListRequestsParams{Code: ptr("OK")}, 4},
		{"session", adminapi.ListRequestsParams{Session: &session}, 3},
		{"since", adminapi.ListRequestsParams{Since: &since}, 5},
		{"all", adminapi.ListRequestsParams{Operation: ptr("ReleaseToken"), Code: ptr("OK"), Status: ptr(200), Session: &session, Since: &since}, 1},
	} {
		n, got := listRequests(t, s, c.p)
		if n != c.want || len(got) != c.want {
			t.Errorf("%s: count %d, %d listed, want %d", c.name, n, len(got), c.want)
		}
		cp := adminapi.CountRequestsParams{Operation: c.p.Operation, Status: c.p.Status, Code: c.p.Code, Session: c.p.Session, Since: c.p.Since}
		if got := countRequests(t, s, cp); got != c.want {
			t.Errorf("%s: CountRequests %d, want %d", c.name, got, c.want)
		}
	}
	if n, got := listRequests(t, s, adminapi.ListRequestsParams{Limit: ptr(2)}); n != 9 || len(got) != 2 || got[1].Path != "/healthz" {
		t.Errorf("limit 2: count %d, entries %+v", n, got)
	}
	// The Go API says the same.
	if n, err := s.CountRequests(journalFilterReleasedOK(since)); err != nil || n != 1 {
		t.Errorf("Stub.CountRequests: %d %v", n, err)
	}

	// Bad parameters are answered 400 in the envelope.
	for _, q := range []string{"status=five", "session=abc", "since=yesterday", "limit=0"} {
		resp, err := s.http.Get(s.URL + "/_crmauth/requests?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("?%s: %d, want 400", q, resp.StatusCode)
		}
	}

	clear, err := s.admin.ClearRequestsWithResponse(ctx)
	if err != nil || clear.JSON200 == nil {
		t.Fatalf("ClearRequests: %v %s", err, clear.Body)
	}
	if n, _ := listRequests(t, s, adminapi.ListRequestsParams{}); n != 0 {
		t.Fatalf("%d entries after clearing", n)
	}
}

func TestSessionRoutes(t *testing.T) {
	s := startStub(t)
	first, _ := s.login(t, userName, userPassword)
	s.clock.Advance(time.Second)
	second, _ := s.login(t, userName, userPassword)
	s.clock.Advance(time.Second)
	key := s.keyToken(t)

	list := func(p adminapi.ListSessionsParams) (int, []adminapi.Session) {
		t.Helper()
		resp, err := s.admin.ListSessionsWithResponse(ctx, &p)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("ListSessions: %v %s", err, resp.Body)
		}
		return resp.JSON200.Data.Count, resp.JSON200.Data.Sessions
	}
	n, all := list(adminapi.ListSessionsParams{})
	if n != 3 || len(all) != 3 || all[0].Jti != jti(t, first) || all[2].Jti != jti(t, key) {
		t.Fatalf("sessions %d %+v, want three in order of issue", n, all)
	}
	if a := all[0]; a.Method != "authentication/token" || a.Holder.Username != userName || a.State != "live" ||
		!a.IssuedAt.Equal(epoch) || !a.Deadline.Equal(epoch.Add(time.Hour)) || a.IdleSeconds == nil || *a.IdleSeconds != 3600 {
		t.Errorf("login session %+v", a)
	}
	if k := all[2]; k.Method != "authentication/web_api_key/token" || k.Holder.Username != "maytemplate" || k.IdleSeconds != nil {
		t.Errorf("key session %+v", k)
	}
	if n, got := list(adminapi.ListSessionsParams{Username: ptr(userName), Limit: ptr(1)}); n != 2 || len(got) != 1 {
		t.Errorf("jdoe's sessions, limit 1: count %d, %d listed", n, len(got))
	}

	end := func(token string, as *adminapi.EndSessionParamsAs) *adminapi.EndSessionResponse {
		t.Helper()
		resp, err := s.admin.EndSessionWithResponse(ctx, jti(t, token), &adminapi.EndSessionParams{As: as})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// Released by the server: the app's next use is INVALID_TOKEN "token has been released".
	resp := end(first, nil)
	if resp.JSON200 == nil || resp.JSON200.Data.Was != "live" || resp.JSON200.Data.Session.State != "released" {
		t.Fatalf("EndSession: %d %s", resp.StatusCode(), resp.Body)
	}
	if _, err := s.CheckToken(first); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("token of a session ended as released: %v", err)
	}
	// Expired by the server: TOKEN_EXPIRED.
	resp = end(second, ptr(adminapi.EndSessionParamsAs("expired")))
	if resp.JSON200 == nil || resp.JSON200.Data.Was != "live" || resp.JSON200.Data.Session.State != "expired" {
		t.Fatalf("EndSession as expired: %d %s", resp.StatusCode(), resp.Body)
	}
	if status, code := s.release(t, second); status != 401 || code != string(gen.ErrorCodeTokenExpired) {
		t.Errorf("releasing a session ended as expired: %d %s", status, code)
	}
	// Ending it again changes nothing and says what it was.
	if resp = end(second, nil); resp.JSON200 == nil || resp.JSON200.Data.Was != "expired" {
		t.Errorf("ending again: %s", resp.Body)
	}
	if n, got := list(adminapi.ListSessionsParams{State: ptr(adminapi.SessionStateLive)}); n != 1 || got[0].Jti != jti(t, key) {
		t.Errorf("live sessions %d %+v", n, got)
	}
	unknown, err := s.admin.EndSessionWithResponse(ctx, sessions.NewID().String(), nil)
	if err != nil || unknown.JSON404 == nil || unknown.JSON404.Status.Code != adminapi.ErrorCodeNotFound {
		t.Errorf("unknown session: %v %d %s", err, unknown.StatusCode(), unknown.Body)
	}
	bad, err := s.admin.EndSessionWithResponse(ctx, "not-a-jti", nil)
	if err != nil || bad.StatusCode() != 400 {
		t.Errorf("malformed jti: %v %d %s", err, bad.StatusCode(), bad.Body)
	}
	// The Go API.
	if was, err := s.EndSession(jti(t, key), sessions.StateReleased); err != nil || was != sessions.StateLive {
		t.Errorf("Stub.EndSession: %s %v", was, err)
	}
	if got, err := s.Sessions(); err != nil || len(got) != 3 || got[2].State != sessions.StateReleased {
		t.Errorf("Stub.Sessions: %v %v", got, err)
	}
}

const extraUser = `
  - username: asmith
    password: other-Passw0rd
    organisation: ps_dev
    default_unit: "1"
`

func TestResetRoute(t *testing.T) {
	defaults, err := os.ReadFile("../authority/fixtures_default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "fixtures.yaml")
	if err := os.WriteFile(file, defaults, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStub(t, func(o *serverimpl.Options) {
		o.FixturesFile = file
		o.Throttle = serverimpl.ThrottleOptions{MaxFailures: 2}
	})
	s.login(t, userName, userPassword)
	s.login(t, userName, "wrong")
	s.login(t, userName, "wrong")
	if _, status := s.login(t, userName, userPassword); status != 429 {
		t.Fatalf("after two failures: %d, want 429", status)
	}
	if _, status := s.login(t, "asmith", "other-Passw0rd"); status != 401 {
		t.Fatalf("asmith before the fixtures edit: %d", status)
	}
	s.clock.Advance(time.Hour)

	// Add a user to the file: reset reads it again.
	edited := strings.Replace(string(defaults), "\nweb_api_keys:", extraUser+"\nweb_api_keys:", 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err := s.admin.ResetWithResponse(ctx)
	if err != nil || resp.JSON200 == nil || resp.JSON200.Data.Fixtures != "reloaded" {
		t.Fatalf("Reset: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	if !s.clock.Now().Equal(epoch) {
		t.Errorf("clock after reset %s, want its start %s", s.clock.Now(), epoch)
	}
	if got, _ := s.Sessions(); len(got) != 0 {
		t.Errorf("%d sessions after reset", len(got))
	}
	if n, _ := listRequests(t, s, adminapi.ListRequestsParams{}); n != 0 {
		t.Errorf("%d journal entries after reset", n)
	}
	if r, _ := s.Coverage(); len(r.Never()) != countDeclared(r) {
		t.Errorf("coverage after reset still counts %d answers", countDeclared(r)-len(r.Never()))
	}
	if _, status := s.login(t, userName, userPassword); status != 200 {
		t.Errorf("jdoe after reset: %d, want 200 (the failed attempts are forgotten)", status)
	}
	if _, status := s.login(t, "asmith", "other-Passw0rd"); status != 200 {
		t.Errorf("asmith after the reload: %d, want 200", status)
	}

	// A file that does not load: 422 INVALID_FIXTURES, the old fixtures stay, the rest resets.
	if err := os.WriteFile(file, []byte("users: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err = s.admin.ResetWithResponse(ctx)
	if err != nil || resp.JSON422 == nil || resp.JSON422.Status.Code != adminapi.ErrorCodeInvalidFixtures ||
		!strings.Contains(resp.JSON422.Status.Message, "fixtures.yaml") {
		t.Fatalf("Reset with a bad file: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	if got, _ := s.Sessions(); len(got) != 0 {
		t.Errorf("%d sessions after a reset with a bad file", len(got))
	}
	if _, status := s.login(t, "asmith", "other-Passw0rd"); status != 200 {
		t.Errorf("asmith after a failed reload: %d, want 200 (the old fixtures stay)", status)
	}
}

func TestResetWithGivenFixtures(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.Fixtures = serverimpl.DefaultFixtures() })
	if resp, err := s.admin.ResetWithResponse(ctx); err != nil || resp.JSON200 == nil || resp.JSON200.Data.Fixtures != "given" {
		t.Fatalf("Reset: %v %s", err, resp.Body)
	}
}

func countDeclared(r coverage.Report) int {
	n := 0
	for _, op := range r.Operations {
		for _, a := range op.Answers {
			if a.Declared {
				n++
			}
		}
	}
	return n
}

func journalFilterReleasedOK(since time.Time) journal.Filter {
	return journal.Filter{Operation: "ReleaseToken", Code: "OK", Since: since}
}

func TestCoverageRoute(t *testing.T) {
	s := startStub(t)
	token, _ := s.login(t, userName, userPassword)
	s.login(t, userName, "wrong")
	s.login(t, userName, "wrong")
	s.release(t, token)
	resp, err := s.admin.GetCoverageWithResponse(ctx)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("GetCoverage: %v %s", err, resp.Body)
	}
	c := resp.JSON200.Data
	count := map[string]int64{}
	for _, op := range c.Operations {
		for _, a := range op.Answers {
			count[op.Operation+" "+string(rune('0'+a.Status/100))+" "+a.Code] = a.Count
			if !a.Declared {
				t.Errorf("undeclared answer %s %+v", op.Operation, a)
			}
		}
	}
	if count["Login 2 OK"] != 1 || count["Login 4 INVALID_CREDENTIALS"] != 2 || count["ReleaseToken 2 OK"] != 1 {
		t.Errorf("counts %v", count)
	}
	if c.Given != 3 || c.Declared != len(c.Never)+3 {
		t.Errorf("given %d, declared %d, never %d", c.Given, c.Declared, len(c.Never))
	}
	never := map[string]bool{}
	for _, k := range c.Never {
		never[k.Operation+" "+k.Code] = true
	}
	if !never["ReleaseToken TOKEN_EXPIRED"] || !never["Login UNIT_NOT_ALLOWED"] || never["Login OK"] {
		t.Errorf("never %v", c.Never)
	}
}

func TestAdminToken(t *testing.T) {
	const secret = "adm-9c1e5b7d"
	s := startStub(t, func(o *serverimpl.Options) { o.AdminToken = secret })
	for _, auth := range []string{"", "Bearer wrong", "Basic " + secret, "Bearer " + secret + "x"} {
		resp, err := s.admin.GetClockWithResponse(ctx, func(_ context.Context, r *http.Request) error {
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			return nil
		})
		if err != nil || resp.JSON401 == nil || resp.JSON401.Status.Code != adminapi.ErrorCodeInvalidToken ||
			!strings.HasPrefix(resp.HTTPResponse.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %v %d %s", auth, err, resp.StatusCode(), resp.Body)
		}
		if strings.Contains(string(resp.Body), secret) {
			t.Errorf("the answer shows the admin token: %s", resp.Body)
		}
	}
	resp, err := s.admin.GetClockWithResponse(ctx, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+secret)
		return nil
	})
	if err != nil || resp.JSON200 == nil || !resp.JSON200.Data.Now.Equal(epoch) {
		t.Fatalf("with the admin token: %v %s", err, resp.Body)
	}
}

func TestClockRoutes(t *testing.T) {
	s := startStub(t)
	resp, err := s.admin.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{Seconds: 7200.5})
	if err != nil || resp.JSON200 == nil || !resp.JSON200.Data.Now.Equal(epoch.Add(7200500*time.Millisecond)) {
		t.Fatalf("AdvanceClock: %v %s", err, resp.Body)
	}
	got, err := s.admin.GetClockWithResponse(ctx)
	if err != nil || got.JSON200 == nil || got.JSON200.Data.Unix != epoch.Unix()+7200 {
		t.Fatalf("GetClock: %v %s", err, got.Body)
	}
	bad, err := s.admin.AdvanceClockWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"seconds": -1}`))
	if err != nil || bad.JSON400 == nil {
		t.Fatalf("negative seconds: %v %d %s", err, bad.StatusCode(), bad.Body)
	}
}

func TestAdminDocumentServed(t *testing.T) {
	s := startStub(t)
	resp, err := http.Get(s.URL + serverimpl.AdminDocumentPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	_, _ = io.Copy(body, resp.Body)
	want, _ := os.ReadFile("../../api/admin.yaml")
	if resp.StatusCode != 200 || body.String() != string(want) {
		t.Fatalf("%s: %d, %d bytes; want api/admin.yaml byte for byte", serverimpl.AdminDocumentPath, resp.StatusCode, body.Len())
	}
}

// A browser suite on another origin may call the admin routes, DELETE included.
func TestAdminRoutesAnswerCORSPreflight(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.AllowedOrigins = []string{"http://app.example"} })
	req, _ := http.NewRequest(http.MethodOptions, s.URL+"/_crmauth/sessions/"+sessions.NewID().String(), nil)
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("Access-Control-Request-Method", http.MethodDelete)
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://app.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "DELETE") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
