package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shellBlocks returns the ```sh blocks of a Markdown page, in order; within is the heading of
// the one section to read ("" for the whole page).
func shellBlocks(t *testing.T, name, within string) []string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if within != "" {
		start := strings.Index(text, within)
		if start < 0 {
			t.Fatalf("%s has no section %q", name, within)
		}
		text = text[start:]
		if end := strings.Index(text[len(within):], "\n## "); end >= 0 {
			text = text[:len(within)+end]
		}
	}
	var blocks []string
	for _, part := range strings.Split(text, "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	return blocks
}

// announced are the answers a block's comments quote ("# {"data":…}"): the output must hold each.
var announced = regexp.MustCompile(`(?m)^# (\{.*\})\s*$`)

// TestTestingGuideExamples runs, verbatim, the shell examples of README's "Using the stub in a
// test suite" and of docs/testing-with-the-stub.md against `crmauth serve` as it starts by
// default (only the host is changed), with the built crmauth on PATH for `crmauth admin`.
// Every block must succeed, every envelope it prints must be OK, and every answer its comments
// quote must be what the stub printed.
func TestTestingGuideExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	bin := buildBinary(t)
	srv := listenAsServe(t)

	blocks := append(shellBlocks(t, "../../README.md", "## Using the stub in a test suite"),
		shellBlocks(t, "../../docs/testing-with-the-stub.md", "")...)
	if len(blocks) < 4 {
		t.Fatalf("found %d shell blocks", len(blocks))
	}
	env := append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"CRMAUTH_SERVER="+srv.URL)
	for _, block := range blocks {
		script := strings.ReplaceAll(block, "http://localhost:8080", srv.URL)
		cmd := exec.Command("sh", "-c", "set -e\n"+script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s\n---\n%s", err, block, out)
		}
		for _, m := range answerCode.FindAllStringSubmatch(string(out), -1) {
			if m[1] != "OK" {
				t.Errorf("an answer is %s, not OK:\n%s\n---\n%s", m[1], block, out)
			}
		}
		for _, m := range announced.FindAllStringSubmatch(block, -1) {
			if !strings.Contains(string(out), m[1]) {
				t.Errorf("the block announces %s, the stub printed:\n%s", m[1], out)
			}
		}
	}
}
