package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startupLine runs `crmauth serve` with args, returns its start-up line, and stops it when the
// test ends.
func startupLine(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		code := runServe(ctx, append([]string{"--listen", "127.0.0.1:0", "--log-level", "warn"}, args...), w, io.Discard)
		w.Close()
		exited <- code
	}()
	t.Cleanup(func() { cancel(); <-exited })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "crmauth stub: ") {
				lines <- sc.Text()
			}
		}
	}()
	select {
	case line := <-lines:
		return line
	case <-time.After(30 * time.Second):
		t.Fatal("no start-up line after 30 s")
		return ""
	}
}

var consoleURL = regexp.MustCompile(`console: (http://\S+/_crmauth/ui/)\)`)

// The start-up line names the console's address, which serves the page; with --admin=false
// there is no console and the line names none.
func TestStartupLineLinksTheConsole(t *testing.T) {
	m := consoleURL.FindStringSubmatch(startupLine(t))
	if m == nil {
		t.Fatal("the start-up line does not name the console")
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", m[1], resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if line := startupLine(t, "--admin=false"); strings.Contains(line, "console") {
		t.Errorf("without the admin routes the start-up line says %q", line)
	}
}
