package fleettest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// redisWalkthrough is docs/redis.md's section showing, word for word, two replicas on two
// ports sharing a local redis-server: a token from one released on the other.
const redisWalkthrough = "## Two replicas on one Redis"

func redisWalkthroughBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../docs/redis.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, redisWalkthrough)
	if start < 0 {
		t.Fatal("docs/redis.md has no walk-through section")
	}
	text = text[start:]
	if end := strings.Index(text[len(redisWalkthrough):], "\n## "); end >= 0 {
		text = text[:len(redisWalkthrough)+end]
	}
	var blocks []string
	for _, part := range strings.Split(text, "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	return blocks
}

var (
	announcedCode = regexp.MustCompile(`(?m)^# .*answers (?:\d{3} )?([A-Z_]{2,})\b`)
	answeredCode  = regexp.MustCompile(`"code":"([A-Z_]+)"`)
	listedKey     = regexp.MustCompile(`(?m)^# (crmauth:\S+)$`)
	hexJTI        = regexp.MustCompile(`[0-9A-F]{32}`)
)

// TestRedisDocsWalkthrough runs docs/redis.md's walk-through as written, with the built crmauth
// on PATH and only the ports changed to free ones: redis-server and two replicas started by its
// first block, a token issued by one and released on the other, released again on the first
// (INVALID_TOKEN), and the keys Redis then holds, which must be the ones the page lists.
func TestRedisDocsWalkthrough(t *testing.T) {
	redistest.Require(t, "redis-server", "redis-cli")
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	bin := buildCrmauth(t)
	blocks := redisWalkthroughBlocks(t)
	if len(blocks) != 3 {
		t.Fatalf("the walk-through has %d shell blocks, this test knows 3", len(blocks))
	}
	var ports []string
	for range 3 {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, strconv.Itoa(p))
	}
	replace := strings.NewReplacer("6390", ports[0], "8081", ports[1], "8082", ports[2])
	env := append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := t.TempDir()

	// The first block starts redis-server (it daemonizes) and the replicas in the background;
	// `wait` keeps its shell, and so the replicas, until the test ends their process group.
	start := exec.Command("sh", "-c", replace.Replace(blocks[0])+"wait\n")
	start.Dir, start.Env = dir, env
	start.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := start.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-start.Process.Pid, syscall.SIGTERM)
		_ = start.Wait()
		_ = exec.Command("redis-cli", "-p", ports[0], "shutdown", "nosave").Run()
	})
	for _, p := range ports[1:] {
		addr := "127.0.0.1:" + p
		deadline := time.Now().Add(15 * time.Second)
		for status, _ := healthz(addr); status != 200; status, _ = healthz(addr) {
			if time.Now().After(deadline) {
				t.Fatalf("the replica on %s did not answer /healthz in 15 s", addr)
			}
			time.Sleep(50 * time.Millisecond) // polling another process's start, bounded above
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(block string) string {
		cmd := exec.CommandContext(ctx, "sh", "-c", "set -e\n"+replace.Replace(block))
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s\n---\n%s", err, block, out)
		}
		return string(out)
	}

	out := run(blocks[1])
	var want, got []string
	for _, m := range announcedCode.FindAllStringSubmatch(blocks[1], -1) {
		want = append(want, m[1])
	}
	for _, m := range answeredCode.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the calls answered %v, the page announces %v:\n%s", got, want, out)
	}

	keys := strings.Fields(run(blocks[2]))
	var listed []string
	for _, m := range listedKey.FindAllStringSubmatch(blocks[2], -1) {
		listed = append(listed, hexJTI.ReplaceAllString(m[1], "JTI"))
	}
	var held []string
	for _, k := range keys {
		held = append(held, hexJTI.ReplaceAllString(k, "JTI"))
	}
	if !sameSet(held, listed) {
		t.Fatalf("Redis holds %v, the page lists %v", held, listed)
	}
}

func sameSet(a, b []string) bool {
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
