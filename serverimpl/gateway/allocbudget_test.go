package gateway_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/internal/race"
	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
)

// gatewayAllocBudget is what one GET through the gateway may allocate in the stub's process,
// as crmauth serve runs it (a text request log, the journal): the token check, the proxy, the
// transport's reading of the upstream's answer. The upstream runs in another process, so its
// own allocations are not counted. When a change removes some, lower it to the new figure.
const gatewayAllocBudget = 67

// upstreamEnv makes the test binary the budget's upstream (TestMain).
const upstreamEnv = "CRMAUTH_GATEWAY_BUDGET_UPSTREAM"

func TestMain(m *testing.M) {
	if os.Getenv(upstreamEnv) == "1" {
		serveBudgetUpstream()
		return
	}
	os.Exit(m.Run())
}

// serveBudgetUpstream answers every GET with a small JSON body on a free loopback port, which
// it prints, until its stdin closes.
func serveBudgetUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	body := []byte(`{"data":{"contacts":[]},"status":{"code":"OK","description":"","message":""}}`)
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}))
	}()
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startBudgetUpstream starts this test binary as the upstream in a process of its own.
func startBudgetUpstream(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run", "^$")
	cmd.Env = append(os.Environ(), upstreamEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("upstream process did not start: %v", err)
	}
	return "http://" + strings.TrimSpace(addr)
}

// TestGatewayAllocationBudget holds a proxied GET to gatewayAllocBudget allocations in the
// stub's process. It skips under the race detector, whose pools drop items at random.
func TestGatewayAllocationBudget(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector's sync.Pool drops items at random: allocation counts are not deterministic under -race")
	}
	u, err := url.Parse(startBudgetUpstream(t))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Upstream: u})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.CloseIdleConnections)
	stub, err := serverimpl.New(serverimpl.Options{
		Secret:     []byte("allocation budget secret"),
		Logger:     slog.New(textlog.New(io.Discard, nil)), // crmauth serve's handler
		Extensions: []serverimpl.Extension{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A login token, as a GET of CRM.COM's other methods carries it: in the query.
	rec := httptest.NewRecorder()
	login := httptest.NewRequest(http.MethodPost, serverimpl.BasePath+"/authentication/token",
		strings.NewReader(`{"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`))
	login.Header.Set("Content-Type", "application/json")
	stub.ServeHTTP(rec, login)
	var answer struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Data.Token == "" {
		t.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest(http.MethodGet, serverimpl.BasePath+"/contacts/list?token="+url.QueryEscape(answer.Data.Token), nil)
	req.RemoteAddr = "127.0.0.1:50000"
	w := &budgetWriter{header: http.Header{}}
	failed := 0
	got := testing.AllocsPerRun(300, func() {
		clear(w.header)
		w.status = http.StatusOK
		stub.ServeHTTP(w, req)
		if w.status != http.StatusOK || w.n == 0 {
			failed = w.status
		}
	})
	if failed != 0 {
		t.Fatalf("a proxied GET was answered %d (or without a body), not 200", failed)
	}
	const how = `measure: go test -run TestGatewayAllocationBudget -v ./serverimpl/gateway
find them: go test -run TestGatewayAllocationBudget -memprofile mem.out -memprofilerate 1 ./serverimpl/gateway
           go tool pprof -sample_index=alloc_objects -top mem.out`
	switch {
	case got > gatewayAllocBudget:
		t.Errorf("%v allocations per proxied GET, budget %v\n%s", got, gatewayAllocBudget, how)
	case got < gatewayAllocBudget:
		t.Logf("%v allocations per proxied GET, under the budget of %v: lower gatewayAllocBudget to keep the gain", got, gatewayAllocBudget)
	default:
		t.Logf("%v allocations per proxied GET (budget %v)", got, gatewayAllocBudget)
	}
}

// budgetWriter keeps the status and counts the body's bytes, reusing its header map.
type budgetWriter struct {
	header http.Header
	status int
	n      int
}

func (w *budgetWriter) Header() http.Header { return w.header }
func (w *budgetWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}
func (w *budgetWriter) WriteHeader(status int) { w.status = status }
