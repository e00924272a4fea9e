package admin_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

func countGiven(r coverage.Report) int {
	n := 0
	for _, op := range r.Operations {
		for _, a := range op.Answers {
			if a.Count > 0 {
				n++
			}
		}
	}
	return n
}

// Fixtures whose secrets are long and odd enough that finding one in the journal cannot be
// chance (a pass code "4321" could be digits of a latency).
const secretFixtures = `
users:
  - username: jdoe
    password: pw-Zq8vT3kLm1
    organisation: ps_dev
    default_unit: "1"
web_api_keys:
  - key: 5A1F0C3E9B7D4E2A8C6B0D9F1E3A5C7B
    organisation: ps_dev
    user: keyuser
    default_unit: "1"
consumer_application_keys:
  - key: 0B2D4F6A8C1E3A5C7E9B1D3F5A7C9E1B
    organisation: ps_dev
    user: maytemplate
    default_unit: "1"
    access_tokens:
      - authentication_code: ac-Hx4Rw9Pn2
        identifier: card-0001
        pass_code: pc-Ty7Ub6Vc5
        contact: 2695FED3FCFD4084AB39F44B18889123
        accounts_receivable: 261BF2B79198401D89A79C545F16CBEC
`

// The journal never holds a secret: each kind of credential is sent, right and wrong, each
// kind of token issued, used and released, and the journal's raw JSON (over HTTP and from Go)
// is searched for every one of them.
func TestJournalHoldsNoSecret(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fixtures.yaml")
	if err := os.WriteFile(file, []byte(secretFixtures), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStub(t, func(o *serverimpl.Options) { o.FixturesFile = file })
	const (
		password  = "pw-Zq8vT3kLm1"
		webKey    = "5A1F0C3E9B7D4E2A8C6B0D9F1E3A5C7B"
		appKey    = "0B2D4F6A8C1E3A5C7E9B1D3F5A7C9E1B"
		authCode  = "ac-Hx4Rw9Pn2"
		passCode  = "pc-Ty7Ub6Vc5"
		wrongPass = "pw-Wrong-Gg5Hh6"
	)
	secrets := []string{password, webKey, appKey, authCode, passCode, wrongPass}
	login, err := s.crm.LoginWithResponse(ctx, gen.LoginJSONRequestBody{Username: userName, Password: password, Organisation: organisation})
	if err != nil || login.JSON200 == nil {
		t.Fatalf("login: %v %s", err, login.Body)
	}
	_, _ = s.crm.LoginWithResponse(ctx, gen.LoginJSONRequestBody{Username: userName, Password: wrongPass, Organisation: organisation})
	key, err := s.crm.GetWebApiKeyTokenWithResponse(ctx, gen.GetWebApiKeyTokenJSONRequestBody{}, basic(webKey))
	if err != nil || key.JSON200 == nil {
		t.Fatalf("key: %v %s", err, key.Body)
	}
	_, _ = s.crm.GetWebApiKeyTokenWithResponse(ctx, gen.GetWebApiKeyTokenJSONRequestBody{}, basic(wrongPass))
	var tokens []string
	for _, id := range []gen.AccessTokenIdentifier{
		{AuthenticationCode: ptr(authCode)},
		{Identifier: ptr("card-0001"), PassCode: ptr(passCode)},
	} {
		resp, err := s.crm.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.GetConsumerApplicationKeyTokenJSONRequestBody{AccessTokenIdentifier: id}, basic(appKey))
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("consumer: %v %s", err, resp.Body)
		}
		tokens = append(tokens, resp.JSON200.Data.Token)
	}
	_, _ = s.crm.GetConsumerApplicationKeyTokenWithResponse(ctx, gen.GetConsumerApplicationKeyTokenJSONRequestBody{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{Identifier: ptr("card-0001"), PassCode: ptr(wrongPass)}}, basic(appKey))
	tokens = append(tokens, login.JSON200.Data.Token, key.JSON200.Data.Token)
	for _, tok := range tokens {
		if _, err := http.Get(s.URL + serverimpl.BasePath + "/contacts/list?token=" + tok); err != nil { // token in a query
			t.Fatal(err)
		}
		s.release(t, tok)
		s.release(t, tok) // refused: the refusal names the session, not the token
	}
	for _, tok := range tokens {
		parts := strings.Split(tok, ".")
		secrets = append(secrets, tok, parts[1]+"."+parts[2], parts[2])
	}

	resp, err := s.http.Get(s.URL + "/_crmauth/requests?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	overHTTP, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	entries, err := s.Requests(journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Every field of the Go entries, the session as its jti.
	var fromGo strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&fromGo, "%+v %+v %s\n", e, e.Holder, e.Session)
	}
	if len(entries) < 17 {
		t.Fatalf("journal holds %d entries, want every request", len(entries))
	}
	for _, raw := range []string{string(overHTTP), fromGo.String()} {
		for _, secret := range secrets {
			if strings.Contains(raw, secret) {
				t.Errorf("the journal holds a secret (%d characters starting %.6q)", len(secret), secret)
			}
		}
		if !strings.Contains(raw, jti(t, tokens[0])) {
			t.Error("the journal does not name the sessions at all: the search proves nothing")
		}
	}
}

// The journal keeps its newest JournalSize entries however many writers race, and a reset in
// the middle of load answers every request in its declared range (no 5xx, no panic).
func TestJournalBoundUnderConcurrentLoadAndReset(t *testing.T) {
	const size = 50
	s := startStub(t, func(o *serverimpl.Options) { o.JournalSize = size })
	var wg sync.WaitGroup
	var requests, fiveHundreds atomic.Int64
	stop := make(chan struct{})
	for range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				token, status := s.login(t, userName, userPassword)
				requests.Add(1)
				if status >= 500 {
					fiveHundreds.Add(1)
				}
				if token != "" {
					if status, _ := s.release(t, token); status >= 500 {
						fiveHundreds.Add(1)
					}
					requests.Add(1)
				}
			}
		})
	}
	for range 20 {
		resp, err := s.admin.ResetWithResponse(ctx)
		if err != nil || resp.JSON200 == nil {
			t.Errorf("Reset under load: %v %d %s", err, resp.StatusCode(), resp.Body)
		}
	}
	close(stop)
	wg.Wait()
	for range 2 * size { // the ring wraps since the last reset, whatever the load did
		if resp, err := http.Get(s.URL + "/healthz"); err == nil {
			resp.Body.Close()
		}
	}
	if n := fiveHundreds.Load(); n != 0 {
		t.Errorf("%d answers of 5xx under reset", n)
	}
	n, list := listRequests(t, s, adminapi.ListRequestsParams{Limit: ptr(1000)})
	if n != size || len(list) != size {
		t.Errorf("journal of size %d holds %d (%d listed) after %d requests", size, n, len(list), requests.Load())
	}
	for i := 1; i < len(list); i++ {
		if list[i].Time.After(list[i-1].Time) {
			t.Fatalf("entries not newest first at %d", i)
		}
	}
}

// JournalSize < 0 turns the journal off; the routes then answer an empty one.
func TestJournalOff(t *testing.T) {
	s := startStub(t, func(o *serverimpl.Options) { o.JournalSize = -1 })
	s.login(t, userName, userPassword)
	if n, _ := listRequests(t, s, adminapi.ListRequestsParams{}); n != 0 {
		t.Fatalf("journal off holds %d entries", n)
	}
	if r, _ := s.Coverage(); countGiven(r) != 1 {
		t.Fatal("coverage stopped counting with the journal off")
	}
}
