package authority

import (
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// benchNow is a fixed instant for benchmarks.
var benchNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// benchClaims are a web API key token's claims from the default fixtures.
var benchClaims = claims{Username: "maytemplate", Organisation: "ps_dev", Unit: "1"}

// BenchmarkTokenSign measures signing one token (HS256 over CRM.COM's claims), the cost every
// issuing method pays once.
func BenchmarkTokenSign(b *testing.B) {
	for name, numeric := range map[string]bool{"string_dates": false, "numeric_dates": true} {
		b.Run(name, func(b *testing.B) {
			s := newTokenSigner([]byte("benchmark secret"), numeric)
			id := sessions.NewID()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.sign(benchClaims, id, benchNow, 2*time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenParse measures checking one token's signature and reading its claims, the
// cost release and the token check pay before the session lookup.
func BenchmarkTokenParse(b *testing.B) {
	s := newTokenSigner([]byte("benchmark secret"), false)
	token, err := s.sign(benchClaims, sessions.NewID(), benchNow, 2*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.parse(token); err != nil {
			b.Fatal(err)
		}
	}
}
