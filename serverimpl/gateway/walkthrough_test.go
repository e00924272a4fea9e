package gateway_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// walkthroughSection is the part of docs/gateway.md that shows, word for word, the stub in
// front of a Prism mock and what a live, an expired and a released token get.
const (
	walkthroughStart = "## A gateway in front of a Prism mock"
	walkthroughEnd   = "### What the upstream receives"
)

func walkthroughBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../docs/gateway.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start, end := strings.Index(text, walkthroughStart), strings.Index(text, walkthroughEnd)
	if start < 0 || end < start {
		t.Fatal("docs/gateway.md has no walk-through section")
	}
	var blocks []string
	for _, part := range strings.Split(text[start:end], "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	return blocks
}

// background runs a block of the walk-through from the repository root, as a reader would in a
// terminal of its own, until it prints ready; the test ends its whole process group.
func background(t *testing.T, block string, env []string, ready string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", "exec "+strings.TrimSpace(block))
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	})
	found := make(chan struct{})
	var mu sync.Mutex
	var printed strings.Builder
	go func() {
		once := sync.OnceFunc(func() { close(found) })
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			printed.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), ready) {
				once()
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case <-found:
	case <-time.After(90 * time.Second): // go run compiles the stub first
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%q never printed %q:\n%s", strings.TrimSpace(block), ready, printed.String())
	}
}

var (
	answersCode  = regexp.MustCompile(`(?m)^# answers (?:\d{3} )?([A-Z_]{3,})\b`)
	answersQuote = regexp.MustCompile(`(?m)^# answers .*?(\{.*?"name":"[^"]+"\})`)
	printedCode  = regexp.MustCompile(`"code":"([A-Z_]+)"`)
)

// TestDocsWalkthrough runs docs/gateway.md's walk-through as written: Prism with the test spec,
// `go run ./cmd/crmauth serve --upstream …`, and the curl calls of a live, an expired and a
// released token (only ports and hosts are changed, to free ones). Every answer a block's
// comments announce must be what it printed.
func TestDocsWalkthrough(t *testing.T) {
	if _, err := os.Stat("../../node_modules/.bin/prism"); err != nil {
		unavailable(t, "Prism is not installed: run npm ci at the repository root (Node.js >= 20)")
	}
	for _, tool := range []string{"npx", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(t, tool+" is not installed")
		}
	}
	blocks := walkthroughBlocks(t)
	if len(blocks) != 5 {
		t.Fatalf("the walk-through has %d shell blocks, this test knows 5", len(blocks))
	}
	prismPort, stubPort := strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t))
	ports := strings.NewReplacer("4010", prismPort, "localhost:8080", "127.0.0.1:"+stubPort)
	background(t, ports.Replace(blocks[0]), []string{"NO_COLOR=1", "FORCE_COLOR=0"}, "Prism is listening")
	background(t, ports.Replace(blocks[1]), []string{"CRMAUTH_LISTEN=127.0.0.1:" + stubPort}, "crmauth stub:")

	// The calls share one shell, as in a terminal: the expired block uses the live block's token.
	var script strings.Builder
	script.WriteString("set -e\n")
	for i, b := range blocks[2:] {
		script.WriteString("echo '=== block " + strconv.Itoa(i) + "'\n" + ports.Replace(b))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", script.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	parts := strings.Split(string(out), "=== block ")[1:]
	if len(parts) != 3 {
		t.Fatalf("the calls printed %d blocks:\n%s", len(parts), out)
	}
	for i, b := range blocks[2:] {
		printed := parts[i]
		var want []string
		for _, m := range answersCode.FindAllStringSubmatch(b, -1) {
			want = append(want, m[1])
		}
		if answersQuote.MatchString(b) {
			want = append(want, "OK")
		}
		var got []string
		for _, m := range printedCode.FindAllStringSubmatch(printed, -1) {
			got = append(got, m[1])
		}
		for _, w := range want {
			if !strings.Contains(strings.Join(got, " "), w) {
				t.Errorf("block %d announces %s; it printed %v:\n%s", i+3, w, got, printed)
			}
		}
		for _, m := range answersQuote.FindAllStringSubmatch(b, -1) {
			name := regexp.MustCompile(`"name":"[^"]+"`).FindString(m[1])
			if !strings.Contains(printed, name) {
				t.Errorf("block %d announces Prism's %s; it printed:\n%s", i+3, name, printed)
			}
		}
	}
}
