package main

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// stubGuideFiles are the pages whose curl examples must work against `crmauth serve` as it
// starts by default: the README's stub section and the stub's guide.
var stubGuideFiles = []string{"../../README.md", "../../docs/stub.md"}

// readmeStubBlocks returns the sh blocks of the README's stub section and of docs/stub.md that
// call curl.
func readmeStubBlocks(t *testing.T) []string {
	t.Helper()
	var text string
	for _, name := range stubGuideFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		start := strings.Index(page, "# The stub server")
		if start < 0 {
			t.Fatalf("%s has no stub section", name)
		}
		page = page[start:]
		if end := strings.Index(page[1:], "\n## "); name == stubGuideFiles[0] && end >= 0 {
			page = page[:end+1] // the README's section ends at the next one
		}
		text += page
	}
	var blocks []string
	for _, part := range strings.Split(text, "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, "curl ") {
			blocks = append(blocks, block)
		}
	}
	return blocks
}

// listenAsServe is the stub as `crmauth serve` configures it with no flags and no environment,
// on a free port: what the guides' examples call at http://localhost:8080.
func listenAsServe(t *testing.T) *serverimpl.Server {
	t.Helper()
	c, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.options(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serverimpl.Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

var answerCode = regexp.MustCompile(`"code":"([A-Z_]+)"`)

// TestReadmeCurlExamples runs the README's curl examples verbatim (only the host is changed)
// against the stub as `crmauth serve` configures it by default. Each curl must print one
// envelope, whose status.code the block's comments announce.
func TestReadmeCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	srv := listenAsServe(t)
	blocks := readmeStubBlocks(t)
	if len(blocks) < 4 {
		t.Fatalf("found %d curl blocks in the README", len(blocks))
	}
	for _, block := range blocks {
		script := strings.ReplaceAll(block, "http://localhost:8080", srv.URL)
		out, err := exec.Command("sh", "-c", "set -e\n"+script).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s\n---\n%s", err, block, out)
		}
		codes := answerCode.FindAllStringSubmatch(string(out), -1)
		// A curl inside $(...) feeds a variable and prints nothing.
		if calls := strings.Count(block, "curl ") - strings.Count(block, "$(curl "); len(codes) != calls {
			t.Fatalf("%d curl calls printed %d envelopes:\n%s\n---\n%s", calls, len(codes), block, out)
		}
		for _, m := range codes {
			if !regexp.MustCompile(`\b` + m[1] + `\b`).MatchString(block) {
				t.Errorf("answer %s is not what the README announces:\n%s\n---\n%s", m[1], block, out)
			}
		}
		if m := regexp.MustCompile(`Retry-After: \d+`).FindString(block); m != "" && !strings.Contains(string(out), m) {
			t.Errorf("the answer lacks %s:\n%s", m, out)
		}
	}
}
