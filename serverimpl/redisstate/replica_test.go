package redisstate_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

const vendorBasic = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6" // the documented Web API key

// replica is one stub process's worth of stub, configured on a shared Redis.
type replica struct {
	*serverimpl.Server
	state *redisstate.State
	log   *syncBuffer
	http  *http.Client
}

// syncBuffer is a log destination tests read while the stub writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startReplica starts a stub keeping its state in the Redis at url under prefix, with the
// admin clock, as `crmauth serve --redis-url url --redis-prefix prefix` does.
func startReplica(t *testing.T, url, prefix string, configure ...func(*serverimpl.Options)) *replica {
	t.Helper()
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	st := open(t, url, redisstate.Config{Prefix: prefix, Logger: logger})
	opts := serverimpl.Options{Admin: true, Logger: logger}
	for _, c := range configure {
		c(&opts)
	}
	if err := st.Configure(ctx, &opts); err != nil {
		t.Fatal(err)
	}
	srv, err := serverimpl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	t.Cleanup(func() { client.CloseIdleConnections(); srv.Close() }) // before the state closes
	return &replica{Server: srv, state: st, log: log, http: client}
}

// answer is a response's status, Retry-After and envelope.
type answer struct {
	status     int
	retryAfter string
	code       string
	message    string
	data       map[string]any
}

func (r *replica) do(t *testing.T, method, path, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, r.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Data   map[string]any `json:"data"`
		Status struct{ Code, Message string }
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s %s: %d, not the envelope: %s", method, path, resp.StatusCode, raw)
	}
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), env.Status.Code, env.Status.Message, env.Data}
}

func (r *replica) keyToken(t *testing.T) string {
	t.Helper()
	a := r.do(t, "POST", serverimpl.BasePath+"/authentication/web_api_key/token", "{}", "Authorization", vendorBasic)
	if a.status != 200 {
		t.Fatalf("web_api_key/token: %d %s %s", a.status, a.code, a.message)
	}
	return a.data["token"].(string)
}

func (r *replica) release(t *testing.T, token string) answer {
	t.Helper()
	return r.do(t, "POST", serverimpl.BasePath+"/authentication/token/release", `{"token":"`+token+`"}`)
}

func (r *replica) login(t *testing.T, password string) answer {
	t.Helper()
	return r.do(t, "POST", serverimpl.BasePath+"/authentication/token",
		`{"username":"jdoe","password":"`+password+`","organisation":"ps_dev"}`)
}
