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
	var m misses
	for i := range rounds {
		tok := issueKeyToken(t, c, a)
		if got := c.do(t.Context(), b, advanceRequest(keyTokenPast)); got.status != http.StatusOK {
			t.Fatalf("round %d: advance on %s: %v", i, b, got)
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
