package clientimpl_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// inBubble builds, inside a synctest bubble, the stub (real time there is the bubble's fake
// time) and a client reaching it through Stub.Transport, since no network works in a bubble.
func inBubble(t *testing.T) (*serverimpl.Stub, *clientimpl.Client) {
	t.Helper()
	stub, err := serverimpl.New(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientimpl.New("http://stub.invalid", clientimpl.WithHTTPClient(&http.Client{Transport: stub.Transport()}))
	if err != nil {
		t.Fatal(err)
	}
	return stub, client
}

// TestSynctestBackgroundRefresh: in fake time, a key token is refreshed in the background
// RefreshAhead before its end; synctest.Wait is the wait for it, no real time passes.
func TestSynctestBackgroundRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		stub, client := inBubble(t)
		source, err := clientimpl.NewTokenSource(client, clientimpl.WebAPIKey{Key: serverimpl.DefaultWebAPIKey})
		if err != nil {
			t.Fatal(err)
		}
		defer source.Close(ctx)
		start := time.Now()
		first, err := source.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}

		time.Sleep(serverimpl.DefaultKeyTokenLifetime - clientimpl.DefaultRefreshAhead - time.Second)
		synctest.Wait()
		if tok, _ := source.Token(ctx); tok.Value != first.Value {
			t.Fatal("refreshed before RefreshAhead")
		}
		time.Sleep(time.Second)
		// Stale now: this call hands out the current token and starts the refresh.
		if tok, _ := source.Token(ctx); tok.Value != first.Value {
			t.Fatal("a stale token was not handed out while the next one is fetched")
		}
		synctest.Wait() // every goroutine of the bubble is blocked: the refresh is done
		next, err := source.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.Value == first.Value {
			t.Fatal("no new token after the background refresh")
		}
		if want := start.Add(serverimpl.DefaultKeyTokenLifetime - clientimpl.DefaultRefreshAhead); next.IssuedAt.Unix() != want.Unix() {
			t.Errorf("new token issued at %v, want %v", next.IssuedAt, want)
		}
		if _, err := stub.CheckToken(first.Value); err != nil {
			t.Fatalf("the first token should still live its last 5 minutes: %v", err)
		}
		time.Sleep(clientimpl.DefaultRefreshAhead)
		if _, err := stub.CheckToken(first.Value); !isExpired(err) {
			t.Fatalf("the first token after 2 hours: %v, want TOKEN_EXPIRED", err)
		}
		if _, err := stub.CheckToken(next.Value); err != nil {
			t.Fatalf("the refreshed token: %v", err)
		}
	})
}

// TestSynctestLoginIdle: in fake time, a login token left idle for an hour expires at the
// stub, and the source, which saw the same hour pass, gets a new one.
func TestSynctestLoginIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		stub, client := inBubble(t)
		source, err := clientimpl.NewTokenSource(client, clientimpl.Login{Username: serverimpl.DefaultUsername,
			Password: serverimpl.DefaultPassword, Organisation: serverimpl.DefaultOrganisation})
		if err != nil {
			t.Fatal(err)
		}
		defer source.Close(ctx)
		first, err := source.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(serverimpl.DefaultLoginIdleTimeout)
		if _, err := stub.CheckToken(first.Value); !isExpired(err) {
			t.Fatalf("after an hour idle: %v, want TOKEN_EXPIRED", err)
		}
		next, err := source.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.Value == first.Value {
			t.Fatal("the source handed out the expired token")
		}
		if _, err := stub.CheckToken(next.Value); err != nil {
			t.Fatalf("the new token: %v", err)
		}
	})
}

func isExpired(err error) bool {
	var te *serverimpl.TokenError
	return errors.As(err, &te) && te.Code == "TOKEN_EXPIRED"
}
