package fleettest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// clockRounds is how many rounds each clock-move test runs: 1,000, or 100 under -race (the
// race run looks for data races, which 100 rounds exercise as well) and with -short.
func clockRounds() int {
	if raceEnabled || testing.Short() {
		return 100
	}
	return 1000
}

// A clock move that has answered on one replica decides the very next request on every
// other, over kept-alive connections, with no wait in between: each round issues a key token
// (2 h) on replica A, moves the clock on B, and at once uses the token on A (the token check)
// and, with three replicas, releases it on C. Advance: past the token's 2 h, so every use
// must answer TOKEN_EXPIRED; a replica still on the old offset would answer OK. Reset: after
// an advance A has seen (it checked another token meanwhile), back to the wall clock, so the
// token issued before the advance must be live again; a replica still on the advanced offset
// would answer TOKEN_EXPIRED. Any other answer is a miss; the test wants none.
func TestClockMoveSeenAtOnce(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	bin := buildCrmauth(t)
	var rs []*replica
	for n := range 3 {
		rs = append(rs, newReplica(t, n, bin, "--redis-url", srv.URL()))
	}
	c := newClient(rs)
	rounds := clockRounds()
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("Advance%dReplicas", n), func(t *testing.T) { clockAdvanceRounds(t, c, rs[:n], rounds) })
		t.Run(fmt.Sprintf("Reset%dReplicas", n), func(t *testing.T) { clockResetRounds(t, c, rs[:n], rounds) })
	}
}

// misses counts the rounds whose answers were not the ones a single stub gives, and keeps
// the first few for the failure message.
type misses struct {
	n     int
	first []string
}

func (m *misses) add(round int, what string, a answer) {
	m.n++
	if len(m.first) < 5 {
		m.first = append(m.first, fmt.Sprintf("round %d: %s: %v", round, what, a))
	}
}

func (m *misses) report(t *testing.T, rounds int, what string) {
	t.Helper()
	t.Logf("%d rounds of %s: %d misses", rounds, what, m.n)
	if m.n != 0 {
		t.Errorf("%d misses in %d rounds; the first:\n  %s", m.n, rounds, strings.Join(m.first, "\n  "))
	}
}

func isExpired(a answer) bool {
	return a.status == http.StatusUnauthorized && a.code == "TOKEN_EXPIRED"
}

const keyTokenPast = 2*60*60 + 1 // seconds: past a key token's 2 h

func clockAdvanceRounds(t *testing.T, c *client, rs []*replica, rounds int) {
	a, b := rs[0], rs[1]
	offset := clockUnix(t, c, b) - time.Now().Unix() // seconds, before the rounds
	var m misses
	for i := range rounds {
		tok := issueKeyToken(t, c, a)
		if got := c.do(t.Context(), b, advanceRequest(keyTokenPast)); got.status != http.StatusOK {
			t.Fatalf("round %d: advance on %s: %v", i, b, got)
		}
		offset += keyTokenPast
		if len(rs) > 2 {
			if ahead := clockUnix(t, c, rs[2]) - time.Now().Unix(); ahead < offset-2 {
				m.add(i, fmt.Sprintf("GET %s on %s right after the advance on %s: %d s ahead, want %d", clockPath, rs[2], b, ahead, offset), answer{status: http.StatusOK, code: "OK"})
			}
		}
		if got := c.do(t.Context(), a, checkRequest(tok)); !isExpired(got) {
			m.add(i, "check on "+a.String()+" right after the advance on "+b.String(), got)
		}
		if len(rs) > 2 {
			if got := c.do(t.Context(), rs[2], releaseRequest(tok)); !isExpired(got) {
				m.add(i, "release on "+rs[2].String()+" right after the advance on "+b.String(), got)
			}
		}
	}
	m.report(t, rounds, "issue on A, advance on B, use on A"+map[bool]string{true: " and C", false: ""}[len(rs) > 2])
}

func clockResetRounds(t *testing.T, c *client, rs []*replica, rounds int) {
	b := rs[1]
	users := []*replica{rs[0]} // the replicas that use the token: A, and C
	if len(rs) > 2 {
		users = append(users, rs[2])
	}
	var m misses
	for i := range rounds {
		tok := issueKeyToken(t, c, rs[0])
		// One token more per user, to make it take the advance in before the reset.
		seen := make([]string, len(users))
		for u, r := range users {
			seen[u] = issueKeyToken(t, c, r)
		}
		if got := c.do(t.Context(), b, advanceRequest(keyTokenPast)); got.status != http.StatusOK {
			t.Fatalf("round %d: advance on %s: %v", i, b, got)
		}
		for u, r := range users {
			if got := c.do(t.Context(), r, checkRequest(seen[u])); !isExpired(got) {
				m.add(i, "check on "+r.String()+" right after the advance on "+b.String(), got)
			}
		}
		if got := c.do(t.Context(), b, resetRequest()); got.status != http.StatusOK {
			t.Fatalf("round %d: reset on %s: %v", i, b, got)
		}
		// The reset forgot every session: a token from before is judged by its exp claim,
		// which the wall clock has not reached (unknown), and the advanced one had (expired).
		if got := c.do(t.Context(), users[0], checkRequest(tok)); !isUnknown(got) {
			m.add(i, "check on "+users[0].String()+" right after the reset on "+b.String(), got)
		}
		for _, r := range users {
			fresh := issueKeyToken(t, c, r)
			if iat := issuedAt(t, fresh); iat > time.Now().Unix()+60 {
				m.add(i, fmt.Sprintf("a token issued on %s right after the reset on %s has iat %d s ahead of the wall clock", r, b, iat-time.Now().Unix()), answer{status: http.StatusOK, code: "OK"})
			}
		}
		if len(users) > 1 {
			if got := c.do(t.Context(), users[1], releaseRequest(tok)); !isUnknown(got) {
				m.add(i, "release on "+users[1].String()+" right after the reset on "+b.String(), got)
			}
		}
	}
	m.report(t, rounds, "issue on A, advance on B, reset on B, use and issue on A"+map[bool]string{true: " and C", false: ""}[len(rs) > 2])
}

func isUnknown(a answer) bool {
	return a.status == http.StatusUnauthorized && a.code == "INVALID_TOKEN" && strings.Contains(a.message, "unknown")
}

// issuedAt is a token's iat claim (Unix seconds), read without checking the signature.
func issuedAt(t *testing.T, token string) int64 {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatal("a token that is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		IssuedAt json.Number `json:"iat"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	n, err := c.IssuedAt.Int64() // a number, or a string of one (NumericDates off)
	if err != nil {
		t.Fatalf("iat %q: %v", c.IssuedAt, err)
	}
	return n
}

func issueKeyToken(t *testing.T, c *client, r *replica) string {
	t.Helper()
	a := c.do(t.Context(), r, issuers[1].req)
	if !isOK(a) || a.token == "" {
		t.Fatalf("%s on %s: %v", issuers[1].name, r, a)
	}
	return a.token
}

// A replica cut off from Redis while another moves the clock answers 503 with Retry-After,
// never an answer by the offset it last knew; once it reaches Redis again, its first answer
// that is not a 503 is by the moved clock. Replica A logs in to Redis as its own ACL user,
// which the test disables (and kills its connections) to cut it off, the others keep theirs.
func TestClockMoveWhileCutOff(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	const user, password = "replica-a", "cut-off-test-password"
	if _, err := srv.Do("ACL", "SETUSER", user, "on", ">"+password, "~*", "&*", "+@all"); err != nil {
		t.Fatal(err)
	}
	bin := buildCrmauth(t)
	a := newReplica(t, 0, bin, "--redis-url", "redis://"+user+":"+password+"@"+srv.Addr)
	b := newReplica(t, 1, bin, "--redis-url", srv.URL())
	c := newClient([]*replica{a, b})
	tok := issueKeyToken(t, c, a)
	if got := c.do(t.Context(), a, checkRequest(tok)); !isOK(got) {
		t.Fatalf("check on %s before the cut: %v", a, got)
	}
	if _, err := srv.Do("ACL", "SETUSER", user, "off"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Do("CLIENT", "KILL", "USER", user); err != nil {
		t.Fatal(err)
	}
	if got := c.do(t.Context(), b, advanceRequest(keyTokenPast)); got.status != http.StatusOK {
		t.Fatalf("advance on %s: %v", b, got)
	}
	cutOff := []request{checkRequest(tok), releaseRequest(tok), issuers[1].req, {method: http.MethodGet, path: clockPath}}
	for range 20 {
		for _, q := range cutOff {
			if got := c.do(t.Context(), a, q); got.status != http.StatusServiceUnavailable || got.code != "SERVICE_UNAVAILABLE" || got.retryAfter == "" {
				t.Errorf("%s %s on %s while it is cut off from Redis after the advance on %s: %v, want 503 SERVICE_UNAVAILABLE with Retry-After", q.method, q.path, a, b, got)
			}
		}
	}
	if _, err := srv.Do("ACL", "SETUSER", user, "on"); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for {
		got := c.do(t.Context(), a, checkRequest(tok))
		if isExpired(got) {
			break
		}
		if got.status != http.StatusServiceUnavailable {
			t.Fatalf("check on %s as it reaches Redis again: %v, want 503 until it does and then 401 TOKEN_EXPIRED", a, got)
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("%s still answers 503 5 s after Redis let it in again", a)
		}
		time.Sleep(10 * time.Millisecond) // polling for the reconnection, not for the clock
	}
	t.Logf("%s answered by the moved clock %v after Redis let it in again", a, time.Since(back).Round(time.Millisecond))
	if ahead := clockUnix(t, c, a) - time.Now().Unix(); ahead < keyTokenPast-2 {
		t.Errorf("GET %s on %s after it is back: %d s ahead of the wall clock, want %d", clockPath, a, ahead, keyTokenPast)
	}
	if got := c.do(t.Context(), a, releaseRequest(tok)); !isExpired(got) {
		t.Errorf("release on %s after it is back: %v, want 401 TOKEN_EXPIRED", a, got)
	}
}
