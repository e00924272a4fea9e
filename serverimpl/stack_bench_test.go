package serverimpl

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/internal/benchreq"
)

// BenchmarkStub measures each method through the whole stub in-process (every middleware,
// validation, the authority, the answer's encoding), without the network: the figures make
// bench -load's scenarios b–e comparable over time without loopback noise.
func BenchmarkStub(b *testing.B) {
	newStub := func(b *testing.B) *Stub {
		s, err := New(Options{Secret: []byte("benchmark secret")})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	run := func(b *testing.B, s http.Handler, next func(i int) *http.Request) {
		w := benchreq.NewWriter()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			s.ServeHTTP(w.Reset(), next(i))
			if w.Status != http.StatusOK {
				b.Fatalf("status %d", w.Status)
			}
		}
	}
	b.Run("web_api_key_token", func(b *testing.B) {
		req := benchreq.New(BasePath+"/authentication/web_api_key/token", benchreq.VendorBasicAuth, `{}`)
		run(b, newStub(b), func(int) *http.Request { return req.Next() })
	})
	b.Run("web_api_key_token/json_log", func(b *testing.B) {
		// The same with a request log: one JSON line per request, written to io.Discard.
		s, err := New(Options{Secret: []byte("benchmark secret"), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		req := benchreq.New(BasePath+"/authentication/web_api_key/token", benchreq.VendorBasicAuth, `{}`)
		run(b, s, func(int) *http.Request { return req.Next() })
	})
	b.Run("web_api_key_token/no_journal", func(b *testing.B) {
		// The same without the journal (JournalSize -1): the journal's cost per request is the
		// difference. Coverage is counted in both.
		s, err := New(Options{Secret: []byte("benchmark secret"), JournalSize: -1})
		if err != nil {
			b.Fatal(err)
		}
		req := benchreq.New(BasePath+"/authentication/web_api_key/token", benchreq.VendorBasicAuth, `{}`)
		run(b, s, func(int) *http.Request { return req.Next() })
	})
	b.Run("login", func(b *testing.B) {
		req := benchreq.New(BasePath+"/authentication/token", "",
			`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`)
		run(b, newStub(b), func(int) *http.Request { return req.Next() })
	})
	b.Run("release", func(b *testing.B) {
		s := newStub(b)
		reqs := make([]*benchreq.Request, b.N)
		for i := range reqs {
			reqs[i] = benchreq.New(BasePath+"/authentication/token/release", "", `{"token":"`+issueToken(b, s)+`"}`)
		}
		run(b, s, func(i int) *http.Request { return reqs[i].Next() })
	})
	b.Run("require_token", func(b *testing.B) {
		s := newStub(b)
		s.Echo().GET("/bench/protected", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, s.RequireToken())
		r := httptest.NewRequest(http.MethodGet, "/bench/protected", nil)
		r.Header.Set("Authorization", "Bearer "+issueToken(b, s))
		run(b, s, func(int) *http.Request { return r })
	})
}

// issueToken gets a web API key token through the stub.
func issueToken(b *testing.B, s *Stub) string {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, BasePath+"/authentication/web_api_key/token", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", benchreq.VendorBasicAuth)
	s.ServeHTTP(rec, r)
	var answer struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Data.Token == "" {
		b.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	return answer.Data.Token
}
