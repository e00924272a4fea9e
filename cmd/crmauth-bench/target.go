package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// echoContext shortens handler signatures.
type echoContext = echo.Context

// targetAddrs is the one JSON line the target prints on stdout once it listens.
type targetAddrs struct {
	Bare     string `json:"bare"`
	Stub     string `json:"stub"`
	Control  string `json:"control"`
	Upstream string `json:"upstream"` // (i), and behind the stub's gateway for (h)
	// RedisStub is the stub with its sessions in Redis, (f) and (g); empty without -redis-url.
	RedisStub string `json:"redis_stub,omitempty"`
}

// runTarget is the child process: it serves the bare Echo baseline (a) and the whole stub
// with (e)'s protected route mounted (b–e) on loopback listeners of their own, with
// -redis-url the same stub keeping its state in Redis (f, g), plus a control listener for the
// driver, until its stdin closes — so it ends with the driver, however that
// ends.
func runTarget(args []string) error {
	fs := flag.NewFlagSet("crmauth-bench target", flag.ContinueOnError)
	cpu := fs.Int("cpu", -1, "pin the process to this CPU (-1: do not pin)")
	redisURL := fs.String("redis-url", "", "also serve the stub with its sessions in this Redis, for (f) and (g)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpu >= 0 {
		if err := pinToCPU(*cpu); err != nil {
			return err
		}
	}
	// The gateway's upstream listens first: the stub is built knowing its address.
	upstreamLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	stub, err := buildStub("http://" + upstreamLn.Addr().String())
	if err != nil {
		return err
	}
	answer, err := captureTokenAnswer(stub)
	if err != nil {
		return err
	}
	protect(stub, answer)
	var redisStub *serverimpl.Stub
	if *redisURL != "" {
		var st io.Closer
		if redisStub, st, err = buildRedisStub(context.Background(), *redisURL); err != nil {
			return fmt.Errorf("the stub on Redis: %w", err)
		}
		defer st.Close()
		protect(redisStub, answer)
	}

	var addrs targetAddrs
	var servers []*http.Server
	serve := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if h == nil { // the upstream, on its listener
			ln, err, h = upstreamLn, nil, benchUpstream(answer)
		}
		if err != nil {
			return "", err
		}
		// The same server settings for every scenario; only the handler differs.
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
		return ln.Addr().String(), nil
	}
	listeners := []struct {
		addr *string
		h    http.Handler
	}{
		{&addrs.Bare, bareEcho(answer)},
		{&addrs.Stub, stub},
		{&addrs.Control, newControl(stub, redisStub)},
		{&addrs.Upstream, nil},
	}
	if redisStub != nil {
		listeners = append(listeners, struct {
			addr *string
			h    http.Handler
		}{&addrs.RedisStub, redisStub})
	}
	for _, s := range listeners {
		if *s.addr, err = serve(s.h); err != nil {
			return err
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(addrs); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, srv := range servers {
		_ = srv.Close()
	}
	return nil
}

// tokenAnswer is a real answer of the stub to a web_api_key/token request, replayed by (a).
type tokenAnswer struct {
	contentType string
	body        []byte
}

// captureTokenAnswer asks the stub for one token in-process and keeps the bytes, so (a)
// answers with a body of exactly the size (and shape) the stub produces.
func captureTokenAnswer(stub http.Handler) (tokenAnswer, error) {
	rec := httptest.NewRecorder()
	stub.ServeHTTP(rec, webAPIKeyRequest())
	if rec.Code != http.StatusOK {
		return tokenAnswer{}, fmt.Errorf("stub refused the bench's web_api_key/token request: %d %s", rec.Code, rec.Body)
	}
	return tokenAnswer{contentType: rec.Header().Get(echo.HeaderContentType), body: rec.Body.Bytes()}, nil
}

// bareEcho is scenario (a): Echo with no middleware and one route that does no work.
func bareEcho(answer tokenAnswer) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST(basePath+webAPIKeyPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, answer.contentType, answer.body)
	})
	return e
}

// newControl serves the driver's requests to the target: CPU time used so far, tokens
// issued in-process for scenarios that need live tokens, CPU profiles around a scenario.
// With store=redis in its query, /tokens issues them from the stub on Redis.
func newControl(stub, redisStub *serverimpl.Stub) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cpu", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, processCPUTime().Nanoseconds())
	})
	mux.HandleFunc("POST /tokens", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 1 {
			http.Error(w, "n must be a positive number", http.StatusBadRequest)
			return
		}
		from := stub
		if r.URL.Query().Get("store") == "redis" {
			if from = redisStub; from == nil {
				http.Error(w, "no stub on Redis: the target runs without -redis-url", http.StatusBadRequest)
				return
			}
		}
		newRequest := webAPIKeyRequest
		if r.URL.Query().Get("kind") == "login" {
			newRequest = loginRequest
		}
		bw := bufio.NewWriter(w)
		for range n {
			token, err := issueInProcess(from, newRequest())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			bw.WriteString(token)
			bw.WriteByte('\n')
		}
		_ = bw.Flush()
	})
	var profiling sync.Mutex
	var profile *os.File
	mux.HandleFunc("POST /profile/start", func(w http.ResponseWriter, r *http.Request) {
		profiling.Lock()
		defer profiling.Unlock()
		f, err := os.Create(r.URL.Query().Get("path"))
		if err == nil {
			if err = pprof.StartCPUProfile(f); err != nil {
				_ = f.Close()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		profile = f
	})
	mux.HandleFunc("POST /profile/stop", func(w http.ResponseWriter, _ *http.Request) {
		profiling.Lock()
		defer profiling.Unlock()
		if profile == nil {
			http.Error(w, "not profiling", http.StatusConflict)
			return
		}
		pprof.StopCPUProfile()
		if err := profile.Close(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		profile = nil
	})
	return mux
}

// issueInProcess sends one token request through the whole stub without the network.
func issueInProcess(stub http.Handler, req *http.Request) (string, error) {
	rec := httptest.NewRecorder()
	stub.ServeHTTP(rec, req)
	var answer struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("stub answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Data.Token == "" {
		return "", errors.New("stub answered 200 without a token")
	}
	return answer.Data.Token, nil
}
