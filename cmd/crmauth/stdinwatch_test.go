package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeExitsWhenStdinCloses: with --exit-on-stdin-close (and with its variable), serve
// answers while its standard input stays open and shuts down cleanly, exit 0, once the
// writing end is closed, as when the parent process that holds the pipe dies.
func TestServeExitsWhenStdinCloses(t *testing.T) {
	for _, how := range []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"--exit-on-stdin-close"}, ""},
		{"environment", nil, "true"},
	} {
		t.Run(how.name, func(t *testing.T) {
			t.Setenv("CRMAUTH_EXIT_ON_STDIN_CLOSE", how.env)
			stdin, parent := io.Pipe()
			old := serveStdin
			serveStdin = stdin
			t.Cleanup(func() { serveStdin = old })

			out, outW := io.Pipe()
			done := make(chan int, 1)
			go func() {
				args := append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"}, how.args...)
				done <- run(context.Background(), args, outW, io.Discard)
				outW.Close()
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("no start-up line: %v", err)
			}
			go io.Copy(io.Discard, out)
			url := strings.Fields(strings.TrimPrefix(line, "crmauth stub: "))[0]
			res, err := http.Get(url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			select {
			case code := <-done:
				t.Fatalf("serve ended (exit %d) while its standard input was open", code)
			default:
			}

			parent.Close()
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("exit %d after standard input closed, want 0", code)
				}
			case <-time.After(10 * time.Second): // a bound on a hang, not a measured figure
				t.Fatal("serve still running 10s after its standard input closed")
			}
			if _, err := http.Get(url + "/healthz"); err == nil {
				t.Fatal("the stub still answers after it shut down")
			}
		})
	}
}

// TestServeIgnoresStdinByDefault: without the flag, a closed standard input (serve < /dev/null,
// a CI job with no input) does not stop the stub.
func TestServeIgnoresStdinByDefault(t *testing.T) {
	t.Setenv("CRMAUTH_EXIT_ON_STDIN_CLOSE", "")
	old := serveStdin
	serveStdin = strings.NewReader("")
	t.Cleanup(func() { serveStdin = old })
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"}, outW, io.Discard)
		outW.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no start-up line: %v", err)
	}
	go io.Copy(io.Discard, out)
	url := strings.Fields(strings.TrimPrefix(line, "crmauth stub: "))[0]
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("the stub stopped although standard input was not watched: %v", err)
	}
	res.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
}
