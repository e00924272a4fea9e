package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// seen is one request the test's own upstream received.
type seen struct {
	method, path, query, body string
	header                    http.Header
}

// recorder is the test's own upstream: it records each request and answers with a fixed body.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seen
	conns int
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Clone()})
		rec.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*") // as Prism does by default
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"upstream":true},"status":{"code":"OK","description":"","message":""}}`)
	}))
	rec.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			rec.mu.Lock()
			rec.conns++
			rec.mu.Unlock()
		}
	}
	rec.Start()
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.seen...)
}

func TestGatewayForwardsLiveTokens(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL+"/base")
	login, consumer := s.loginToken(t), s.consumerToken(t)

	a := call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+url.QueryEscape(login)+"&page=2", "", "")
	expect(t, "GET with the token parameter", a, 200, "OK")
	postBody := "{\"id\": \"7\",\n \"token\": \"" + consumer + "\", \"name\": \"Zoë\"}"
	a = call(t, http.MethodPost, s.BaseURL+"/contacts/update", "application/json; charset=utf-8", postBody)
	expect(t, "POST with the token member", a, 200, "OK")
	a = call(t, http.MethodGet, s.BaseURL+"/contacts/list", "", "", "Authorization", "Bearer "+login)
	expect(t, "GET with a Bearer header", a, 200, "OK")

	got := up.requests()
	if len(got) != 3 {
		t.Fatalf("upstream saw %d requests, want 3", len(got))
	}
	if g := got[0]; g.method != "GET" || g.path != "/base/contacts/list" || g.query != "token="+url.QueryEscape(login)+"&page=2" {
		t.Errorf("GET reached the upstream as %s %s?%s", g.method, g.path, g.query)
	}
	if g := got[0].header; g.Get(gateway.HeaderUser) != "jdoe" || g.Get(gateway.HeaderOrganisation) != "ps_dev" ||
		g.Get(gateway.HeaderUnit) == "" || len(g.Get(gateway.HeaderSession)) != 32 || g.Get(gateway.HeaderContact) != "" {
		t.Errorf("login token's identity headers: %v", g)
	}
	if g := got[1]; g.body != postBody || g.path != "/base/contacts/update" {
		t.Errorf("POST reached the upstream as %s with body %q; want the body byte for byte", g.path, g.body)
	}
	if g := got[1].header; g.Get(gateway.HeaderUser) != "maytemplate" || g.Get(gateway.HeaderContact) != "2695FED3FCFD4084AB39F44B18889123" ||
		g.Get(gateway.HeaderAccountsReceivable) != "261BF2B79198401D89A79C545F16CBEC" || g.Get(gateway.HeaderUnit) != "1" {
		t.Errorf("consumer token's identity headers: %v", g)
	}
	if got[2].header.Get(gateway.HeaderSession) != got[0].header.Get(gateway.HeaderSession) {
		t.Error("the same token by Bearer and by parameter gave different sessions")
	}
}

// Identity headers a client sends never reach the upstream, however spelt, and the hop-by-hop
// trick (Connection naming the header the gateway sets) does not remove the gateway's own.
func TestGatewayDropsSpoofedIdentityHeaders(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL)
	token := s.loginToken(t)
	spoof := []string{
		"X-Crmauth-User", "admin", "x-crmauth-organisation", "evil_org", "X-CRMAUTH-UNIT", "99",
		"X-Crmauth-Session", "00000000000000000000000000000000", "X-Crmauth-Role", "root",
		"X-Crmauth-Contact", "someone", "Connection", "X-Crmauth-User, X-Crmauth-Session",
	}
	expect(t, "spoofed GET", call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+token, "", "", spoof...), 200, "OK")
	// Without a token the spoofed request is refused, and nothing reaches the upstream.
	expect(t, "spoofed GET without a token", call(t, http.MethodGet, s.BaseURL+"/contacts/list", "", "", spoof...), 401, "INVALID_TOKEN")

	got := up.requests()
	if len(got) != 1 {
		t.Fatalf("upstream saw %d requests, want 1", len(got))
	}
	h := got[0].header
	if h.Get(gateway.HeaderUser) != "jdoe" || h.Get(gateway.HeaderOrganisation) != "ps_dev" || h.Get(gateway.HeaderUnit) == "99" ||
		h.Get(gateway.HeaderSession) == "00000000000000000000000000000000" || len(h.Get(gateway.HeaderSession)) != 32 {
		t.Errorf("upstream saw identity %v; want the token's", h)
	}
	for _, name := range []string{"X-Crmauth-Role", gateway.HeaderContact} {
		if v := h.Values(name); len(v) > 0 {
			t.Errorf("upstream saw the client's %s: %q", name, v)
		}
	}
	if len(h.Values(gateway.HeaderUser)) != 1 {
		t.Errorf("upstream saw %d %s headers", len(h.Values(gateway.HeaderUser)), gateway.HeaderUser)
	}
}

func TestGatewayRefusesWithoutReachingUpstream(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL)
	expired := s.loginToken(t)
	s.clock.Advance(61 * time.Minute)
	released := s.loginToken(t)
	s.release(t, released)
	other := s.loginToken(t)
	live := s.loginToken(t)

	list := s.BaseURL + "/contacts/list"
	expect(t, "no token", call(t, http.MethodGet, list, "", ""), 401, "INVALID_TOKEN")
	expect(t, "expired", call(t, http.MethodGet, list+"?token="+expired, "", ""), 401, "TOKEN_EXPIRED")
	expect(t, "released", call(t, http.MethodGet, list+"?token="+released, "", ""), 401, "INVALID_TOKEN")
	expect(t, "forged", call(t, http.MethodGet, list+"?token="+live[:len(live)-4]+"AAAA", "", ""), 401, "INVALID_TOKEN")
	expect(t, "two tokens", call(t, http.MethodPost, list+"?token="+live, "application/json", `{"token":"`+other+`"}`), 400, "INVALID_REQUEST")
	expect(t, "dot segment", call(t, http.MethodGet, s.BaseURL+"/a/%2e%2e/contacts/list?token="+live, "", ""), 400, "INVALID_REQUEST")
	if n := len(up.requests()); n != 0 {
		t.Fatalf("upstream saw %d refused requests", n)
	}
	expect(t, "live", call(t, http.MethodGet, list+"?token="+live, "", ""), 200, "OK")
	if n := len(up.requests()); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1", n)
	}
}

func TestGatewayUpstreamDownIs502(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	addr := up.URL
	up.Close() // nothing listens there now
	s := startGateway(t, addr)
	a := call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+s.loginToken(t), "", "")
	expect(t, "stopped upstream", a, 502, "BAD_GATEWAY")
	if strings.Contains(a.body, "token=") {
		t.Errorf("the answer repeats the query: %s", a.body)
	}
}

func TestGatewaySlowUpstreamIs504(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // answers only once the test is over
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(up.Close)
	t.Cleanup(func() { close(release) })
	s := startGateway(t, up.URL, func(c *gateway.Config, _ *serverimpl.Options) { c.ResponseHeaderTimeout = 100 * time.Millisecond })
	expect(t, "slow upstream", call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+s.loginToken(t), "", ""), 504, "GATEWAY_TIMEOUT")
}

func TestGatewayBodyLimit(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL, func(c *gateway.Config, _ *serverimpl.Options) { c.MaxBodyBytes = 1000 })
	token := s.loginToken(t)
	url := s.BaseURL + "/files/upload?token=" + token
	expect(t, "declared length over the limit", call(t, http.MethodPost, url, "application/octet-stream", strings.Repeat("x", 1001)), 413, "PAYLOAD_TOO_LARGE")

	// Chunked, so no length is declared: the limit is met while the body is sent upstream.
	req, _ := http.NewRequest(http.MethodPost, url, io.MultiReader(strings.NewReader(strings.Repeat("y", 5000))))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit: %d, want 413", resp.StatusCode)
	}
	expect(t, "JSON body over the limit", call(t, http.MethodPost, url, "application/json", `{"x":"`+strings.Repeat("z", 2000)+`"}`), 413, "PAYLOAD_TOO_LARGE")
	expect(t, "within the limit", call(t, http.MethodPost, url, "application/octet-stream", strings.Repeat("x", 1000)), 200, "OK")
	for _, r := range up.requests() {
		if len(r.body) > 1000 {
			t.Errorf("upstream received a %d-byte body", len(r.body))
		}
	}
}

// A streamed answer reaches the client as the upstream sends it, not when it ends.
func TestGatewayStreamsAnswers(t *testing.T) {
	second := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-second
		io.WriteString(w, "second\n")
	}))
	t.Cleanup(up.Close)
	s := startGateway(t, up.URL)
	resp, err := http.Get(s.BaseURL + "/events?token=" + s.loginToken(t))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewReader(resp.Body)
	first, err := lines.ReadString('\n') // would block forever if the gateway buffered the answer
	if err != nil || first != "first\n" {
		t.Fatalf("first line %q, %v", first, err)
	}
	close(second)
	if rest, _ := io.ReadAll(lines); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}

func TestGatewayReusesUpstreamConnections(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL)
	token := s.loginToken(t)
	for range 20 {
		expect(t, "call", call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+token, "", ""), 200, "OK")
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.conns != 1 {
		t.Errorf("20 calls one after the other opened %d upstream connections, want 1", up.conns)
	}
}

// The four methods stay the stub's (a wrong HTTP method is still 405), and CORS answers for
// proxied calls with the stub's headers only.
func TestGatewayKeepsTheFourMethodsAndCORS(t *testing.T) {
	up := startRecorder(t)
	s := startGateway(t, up.URL, func(_ *gateway.Config, o *serverimpl.Options) { o.AllowedOrigins = []string{"http://app.example"} })
	a := call(t, http.MethodGet, s.BaseURL+"/authentication/token", "", "")
	expect(t, "GET authentication/token", a, 405, "METHOD_NOT_ALLOWED")
	if a.header.Get("Allow") != "OPTIONS, POST" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
	a = call(t, http.MethodGet, s.BaseURL+"/contacts/list?token="+s.loginToken(t), "", "", "Origin", "http://app.example")
	expect(t, "cross-origin call", a, 200, "OK")
	if v := a.header.Values("Access-Control-Allow-Origin"); len(v) != 1 || v[0] != "http://app.example" {
		t.Errorf("Access-Control-Allow-Origin %q; want the stub's one value", v)
	}
	pre := call(t, http.MethodOptions, s.BaseURL+"/contacts/update", "", "", "Origin", "http://app.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "http://app.example" {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1 (no preflight)", n)
	}
}

func TestWithoutGatewayOtherPathsAre404(t *testing.T) {
	srv, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	expect(t, "other method", call(t, http.MethodGet, srv.BaseURL+"/contacts/list?token=x", "", ""), 404, "NOT_FOUND")
}

func TestNewRefusesBadUpstreams(t *testing.T) {
	for _, raw := range []string{"", "127.0.0.1:4010", "ftp://x", "http://x/?a=b", "http://u:p@x"} {
		u, _ := url.Parse(raw)
		if _, err := gateway.New(gateway.Config{Upstream: u}); err == nil {
			t.Errorf("upstream %q accepted", raw)
		}
	}
}
