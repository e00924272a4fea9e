package serverimpl_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/internal/race"
	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// allocBudgets are the allocations one request may cost through the whole stub (serverimpl.New
// with its defaults: journal, coverage, brake, CORS, fault injection), counted by
// testing.AllocsPerRun. Allocations per request are deterministic, unlike times: a change that
// adds one fails here, with the figure. When a change removes some, lower the budget to the
// new figure (the test logs it) so that they stay removed. docs/performance.md says where
// each figure came from.
var allocBudgets = map[string]float64{
	"web_api_key_token":              26,
	"web_api_key_token_text_log":     28, // a text line per request through slog's own TextHandler
	"web_api_key_token_serve_log":    26, // as crmauth serve runs it: the same line through textlog's direct path
	"login":                          37, // authentication/token
	"consumer_application_key_token": 63, // 2 of them since openapi.yaml 2.0.0: the identifier's anyOf of three complete shapes is validated by kin-openapi
	"release":                        38, // authentication/token/release
	"require_token":                  7,  // RequireToken on a route mounted on the stub's Echo
	"require_token_handler":          5,  // RequireTokenHandler in front of a net/http handler
}

// howToMeasure is printed with a budget exceeded.
const howToMeasure = `measure: go test -run 'TestAllocationBudgets' -v ./serverimpl
find them: go test -run '^$' -bench 'BenchmarkStub' -benchtime 20000x -memprofile mem.out -memprofilerate 1 ./serverimpl
           go tool pprof -sample_index=alloc_objects -top -focus ServeHTTP mem.out`

const (
	budgetKeyAuth   = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6" // the default fixtures' key
	budgetLoginBody = `{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`
	budgetConsumer  = `{"access_token_identifier":{"authentication_code":"p_kestora1!"}}`
)

// TestAllocationBudgets sends each method through the whole stub many times and holds the
// allocations per request to allocBudgets. It skips under the race detector, whose pools drop
// items at random.
func TestAllocationBudgets(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector's sync.Pool drops items at random: allocation counts are not deterministic under -race")
	}
	newStub := func(t *testing.T, logger *slog.Logger) *serverimpl.Stub {
		s, err := serverimpl.New(serverimpl.Options{Secret: []byte("allocation budget secret"), Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const runs = 500
	t.Run("web_api_key_token", func(t *testing.T) {
		s := newStub(t, nil)
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/web_api_key/token", `{}`, budgetKeyAuth)
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("web_api_key_token_text_log", func(t *testing.T) {
		s := newStub(t, slog.New(slog.NewTextHandler(io.Discard, nil)))
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/web_api_key/token", `{}`, budgetKeyAuth)
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("web_api_key_token_serve_log", func(t *testing.T) {
		s := newStub(t, slog.New(textlog.New(io.Discard, nil)))
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/web_api_key/token", `{}`, budgetKeyAuth)
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("login", func(t *testing.T) {
		s := newStub(t, nil)
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/token", budgetLoginBody, "")
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("consumer_application_key_token", func(t *testing.T) {
		s := newStub(t, nil)
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/consumer_application_key/token", budgetConsumer, budgetKeyAuth)
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("release", func(t *testing.T) {
		s := newStub(t, nil)
		// Each run releases a token of its own, issued before counting; AllocsPerRun runs the
		// function once more to warm up.
		reqs := make([]*replayRequest, runs+1)
		for i := range reqs {
			reqs[i] = newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/token/release",
				`{"token":"`+issueBudgetToken(t, s)+`"}`, "")
		}
		holdBudget(t, s, runs, func(i int) *http.Request { return reqs[i].next() })
	})
	t.Run("require_token", func(t *testing.T) {
		s := newStub(t, nil)
		s.Echo().GET("/budget/protected", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, s.RequireToken())
		req := newReplayRequest(http.MethodGet, "/budget/protected", "", "Bearer "+issueBudgetToken(t, s))
		holdBudget(t, s, runs, func(int) *http.Request { return req.next() })
	})
	t.Run("require_token_handler", func(t *testing.T) {
		// The token check alone, in front of a net/http handler, outside the stub's Echo.
		s := newStub(t, nil)
		h := s.RequireTokenHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
		req := newReplayRequest(http.MethodGet, "/budget/protected", "", "Bearer "+issueBudgetToken(t, s))
		holdBudget(t, h, runs, func(int) *http.Request { return req.next() })
	})
}

// holdBudget counts the allocations of one request to h (next(i) gives the i-th request, each
// answered 200) and fails when they are over the test's budget in allocBudgets.
func holdBudget(t *testing.T, h http.Handler, runs int, next func(i int) *http.Request) {
	t.Helper()
	budget, ok := allocBudgets[t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]]
	if !ok {
		t.Fatalf("no budget for %s in allocBudgets", t.Name())
	}
	w := &discardWriter{header: http.Header{}}
	i := 0
	var failed int
	got := testing.AllocsPerRun(runs, func() {
		h.ServeHTTP(w.reset(), next(i))
		if w.status != http.StatusOK {
			failed = w.status
		}
		i++
	})
	if failed != 0 {
		t.Fatalf("a request was answered %d, not 200: the budget counts answered requests", failed)
	}
	switch {
	case got > budget:
		t.Errorf("%s: %v allocations per request, budget %v\n%s", t.Name(), got, budget, howToMeasure)
	case got < budget:
		t.Logf("%s: %v allocations per request, under the budget of %v: lower the budget in allocBudgets to keep the gain", t.Name(), got, budget)
	default:
		t.Logf("%s: %v allocations per request (budget %v)", t.Name(), got, budget)
	}
}

// replayRequest is one request sent again and again: its body is rewound each time, without
// allocating, so that only the stub's own allocations are counted.
type replayRequest struct {
	r    *http.Request
	body []byte
	rd   bytes.Reader
	rc   io.ReadCloser
}

func newReplayRequest(method, path, body, authorization string) *replayRequest {
	q := &replayRequest{r: httptest.NewRequest(method, path, nil), body: []byte(body)}
	if body != "" {
		q.r.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		q.r.Header.Set("Authorization", authorization)
	}
	q.rc = readCloser{&q.rd}
	return q
}

func (q *replayRequest) next() *http.Request {
	q.rd.Reset(q.body)
	q.r.Body, q.r.ContentLength, q.r.GetBody = q.rc, int64(len(q.body)), nil
	if len(q.body) == 0 {
		q.r.Body = http.NoBody
	}
	return q.r
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// discardWriter keeps the status and drops the body, reusing its header map.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) reset() *discardWriter {
	clear(w.header)
	w.status = http.StatusOK
	return w
}

// issueBudgetToken gets a login token through the stub.
func issueBudgetToken(t *testing.T, s http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, serverimpl.BasePath+"/authentication/token", strings.NewReader(budgetLoginBody))
	r.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, r)
	var answer struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Data.Token == "" {
		t.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	return answer.Data.Token
}
