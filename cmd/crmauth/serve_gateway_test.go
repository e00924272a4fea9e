package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// --upstream (or CRMAUTH_UPSTREAM) puts the gateway in front of the upstream, forward auth is
// on by default, and --login-expiry fixed makes login tokens end two hours after issue.
func TestServeUpstreamAndLoginExpiry(t *testing.T) {
	var upstreamUser string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamUser = r.Header.Get(gateway.HeaderUser)
		io.WriteString(w, `{"data":{},"status":{"code":"OK","description":"","message":""}}`)
	}))
	t.Cleanup(up.Close)
	env := map[string]string{"CRMAUTH_UPSTREAM": "http://unused.example", "CRMAUTH_LOGIN_EXPIRY": "fixed"}
	c, err := parseServeConfig([]string{"--upstream", up.URL, "--upstream-timeout", "3s"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.upstream != up.URL || c.opts.LoginExpiry != "fixed" || !c.forwardAuth || c.opts.LoginTokenLifetime != 2*time.Hour {
		t.Fatalf("config %+v", c)
	}
	opts, err := c.options(nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := serverimpl.NewSettableClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	opts.Clock = clock
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)

	resp, err := http.Post(srv.BaseURL+"/authentication/token", "application/json",
		strings.NewReader(`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := strings.Split(strings.SplitN(string(body), `"token":"`, 2)[1], `"`)[0]
	get := func(path string) int {
		resp, err := http.Get(srv.URL + path + "?token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(serverimpl.BasePath + "/contacts/list"); code != 200 || upstreamUser != "jdoe" {
		t.Fatalf("proxied call: %d, upstream saw user %q", code, upstreamUser)
	}
	if code := get(gateway.CheckPath); code != 200 {
		t.Fatalf("forward auth: %d", code)
	}
	for range 2 { // used every 50 minutes, and still ended two hours after issue
		clock.Advance(50 * time.Minute)
		if code := get(gateway.CheckPath); code != 200 {
			t.Fatalf("at %s: %d", clock.Now(), code)
		}
	}
	clock.Advance(21 * time.Minute)
	if code := get(gateway.CheckPath); code != 401 {
		t.Fatalf("fixed expiry, 2h01m after issue: %d, want 401", code)
	}
}

func TestServeGatewayConfigErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--login-expiry", "sliding"}, "login-expiry"},
		{[]string{"--upstream-timeout", "0s"}, "upstream-timeout"},
		{[]string{"--login-token-lifetime", "0s"}, "positive"},
	} {
		if _, err := parseServeConfig(c.args, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
	c, err := parseServeConfig([]string{"--upstream", "localhost:4010"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.options(nil); err == nil || !strings.Contains(err.Error(), "absolute http") {
		t.Errorf("upstream without a scheme: %v", err)
	}
}
