package redisstate_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crmcom-community/crmauth/internal/braketest"
	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

// configureOn gives each case of the brake's contract a fresh prefix on the Redis at url.
func configureOn(url string) braketest.Configure {
	return func(t *testing.T, o *serverimpl.Options) {
		if err := open(t, url, redisstate.Config{}).Configure(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

// On a single node an issuing method records its attempt in one script
// (serverimpl.AttemptStore): the brake's answers are those of the in-memory stores.
func TestBrakeContractSingleNode(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	st := open(t, srv.URL(), redisstate.Config{})
	if _, ok := st.Sessions().Attempts(st.Failures(throttleAccounts()), st.Failures(throttleAccounts())); !ok {
		t.Fatal("a single node offers no one-step attempts")
	}
	braketest.Run(t, configureOn(srv.URL()))
}

// The brake's contract on a Cluster, where the windows and the session are on different
// slots: no one-step attempts (a script over them would be CROSSSLOT), the same answers.
func runBrakeContractCluster(t *testing.T, url string) {
	st := open(t, url, redisstate.Config{})
	if _, ok := st.Sessions().Attempts(st.Failures(throttleAccounts()), st.Failures(throttleAccounts())); ok {
		t.Fatal("a Cluster offers one-step attempts over keys of three slots")
	}
	braketest.Run(t, configureOn(url))
}

// sentDuring is every command a client other than the test's MONITOR connection sent the
// redis-server at addr while fn ran (commands run by a script, marked "lua", left out).
func sentDuring(t *testing.T, addr string, fn func()) []string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	monitor := bufio.NewReader(conn)
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := monitor.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
		t.Fatalf("MONITOR: %q %v", line, err)
	}
	fn()
	const marker = "crmauth-test-marker"
	if _, err := redistest.Command(addr, time.Second, "ECHO", marker); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for {
		line, err := monitor.ReadString('\n')
		if err != nil {
			t.Fatalf("MONITOR before the marker: %v (seen %q)", err, sent)
		}
		if strings.Contains(line, marker) {
			return sent
		}
		if !strings.Contains(line, " lua]") {
			sent = append(sent, line)
		}
	}
}

// beforeAnswer leaves out the commands that write the journal and the coverage counts
// ({views} keys): the stub sends them after the answer (TestRecorderOneRoundTrip counts them).
// It also leaves out a new connection's handshake.
func beforeAnswer(sent []string) []string {
	var out []string
	for _, line := range sent {
		if strings.Contains(line, "{views}") {
			continue
		}
		if handshake(line) {
			continue
		}
		out = append(out, line)
	}
	return out
}

// handshake reports whether a MONITOR line is a new connection's HELLO or CLIENT: the client
// opens its pipelined connections as it needs them, once each, not per request.
func handshake(line string) bool {
	_, cmd, ok := strings.Cut(line, `] "`)
	return ok && (strings.HasPrefix(cmd, `HELLO"`) || strings.HasPrefix(cmd, `CLIENT"`))
}

// jti is the session ID in a token's claims.
func jti(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Jti string }
	if err := json.Unmarshal(raw, &c); err != nil || c.Jti == "" {
		t.Fatalf("claims without jti: %v", err)
	}
	return c.Jti
}

// On a single node an issuing method costs one command before its answer, one script over
// the account's window, the client's and the session, where it cost three round trips (the
// windows' HMGETs, the session's SET, then the failure's or the reset's write). A login with
// bcrypt fixtures asks the windows first (the HMGETs), so a blocked client gets no bcrypt.
func TestAttemptOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	prefix := uniquePrefix()
	r := startReplica(t, srv.URL(), prefix)
	r.keyToken(t) // opens the client's connections and loads the scripts: once, not per request

	var token string
	sent := beforeAnswer(sentDuring(t, srv.Addr, func() { token = r.keyToken(t) }))
	if len(sent) != 1 || !strings.Contains(sent[0], `"EVALSHA"`) || !strings.Contains(sent[0], prefix+"s:{"+jti(t, token)+"}") {
		t.Fatalf("web_api_key/token sent %d commands before its answer: %q; want one script writing its session", len(sent), sent)
	}

	sent = beforeAnswer(sentDuring(t, srv.Addr, func() {
		if got := r.login(t, "wrong"); got.status != 401 {
			t.Fatalf("wrong password: %d %s", got.status, got.code)
		}
	}))
	if len(sent) != 1 || !strings.Contains(sent[0], `"EVALSHA"`) || !strings.Contains(sent[0], prefix+"f:accounts:") || !strings.Contains(sent[0], prefix+"f:clients:") {
		t.Fatalf("a wrong password sent %d commands: %q; want one script counting both windows", len(sent), sent)
	}
	// The count is there: the next success resets the account's window, in the same script.
	if got := r.login(t, "s3cret-Passw0rd"); got.status != 200 {
		t.Fatalf("right password: %d %s %s", got.status, got.code, got.message)
	}
	if n, err := srv.Do("EXISTS", prefix+"f:accounts:login\x00ps_dev\x00jdoe"); err != nil || n != int64(0) {
		t.Fatalf("the account's window after a success: EXISTS %v, %v", n, err)
	}
	if n, err := srv.Do("HGET", prefix+"f:clients:127.0.0.1", "n"); err != nil || n != "1" {
		t.Fatalf("the client's window after a success: n = %v, %v; want 1 (a success clears the account only)", n, err)
	}

	hashed := startReplica(t, srv.URL(), uniquePrefix(), func(o *serverimpl.Options) {
		f := serverimpl.DefaultFixtures()
		hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-Passw0rd"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		f.Users[0].Password = string(hash)
		o.Fixtures = f
	})
	sent = beforeAnswer(sentDuring(t, srv.Addr, func() {
		if got := hashed.login(t, "s3cret-Passw0rd"); got.status != 200 {
			t.Fatalf("bcrypt login: %d %s %s", got.status, got.code, got.message)
		}
	}))
	if len(sent) < 2 || !strings.Contains(sent[0], `"HMGET"`) {
		t.Fatalf("a login with bcrypt fixtures sent %q; want the windows asked first", sent)
	}
}
