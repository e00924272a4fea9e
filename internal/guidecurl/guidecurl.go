// Package guidecurl runs the stub guides' curl examples, verbatim, against a running stub: the
// README's "The stub server" section and docs/stub.md. cmd/crmauth runs them against
// `crmauth serve` as it starts by default, internal/releasetest against the container image.
//
// Each sh block that calls the stub with curl must succeed under `set -e`, each curl must print one envelope
// (a curl inside $(...) feeds a variable and prints nothing), each envelope's status.code must
// be one the block's comments name, and a "Retry-After: N" the comments name must be in the
// output.
package guidecurl

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// DefaultURL is where the guides' examples call the stub; Run replaces it.
const DefaultURL = "http://localhost:8080"

// stubGuides are the pages whose curl examples must work against the stub as it starts, from
// the repository's root, each read from its "The stub server" heading on; the README's section
// ends at its next "## " heading.
var stubGuides = []string{"README.md", "docs/stub.md"}

// AnswerCode finds the status.code of each envelope in an output.
var AnswerCode = regexp.MustCompile(`"code":"([A-Z_]+)"`)

// StubBlocks returns the sh blocks of the stub guides that call the stub (at DefaultURL) with
// curl; root is the repository's root directory. A block that downloads a release calls curl
// too, but not the stub.
func StubBlocks(t testing.TB, root string) []string {
	t.Helper()
	var text string
	for _, name := range stubGuides {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		start := strings.Index(page, "# The stub server")
		if start < 0 {
			t.Fatalf("%s has no stub section", name)
		}
		page = page[start:]
		if end := strings.Index(page[1:], "\n## "); name == stubGuides[0] && end >= 0 {
			page = page[:end+1] // the README's section ends at the next one
		}
		text += page
	}
	var blocks []string
	for _, part := range strings.Split(text, "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, "curl ") && strings.Contains(block, DefaultURL) {
			blocks = append(blocks, block)
		}
	}
	if len(blocks) < 4 {
		t.Fatalf("found %d curl blocks in %v", len(blocks), stubGuides)
	}
	return blocks
}

// Run runs each block with sh against the stub at url (in place of DefaultURL), with env added
// to the test's environment (the guides' examples read CRMAUTH_ADMIN_TOKEN), and checks each
// answer against what the block's comments announce.
func Run(t testing.TB, blocks []string, url string, env ...string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	for _, block := range blocks {
		script := strings.ReplaceAll(block, DefaultURL, url)
		cmd := exec.Command("sh", "-c", "set -e\n"+script)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s\n---\n%s", err, block, out)
		}
		codes := AnswerCode.FindAllStringSubmatch(string(out), -1)
		if calls := strings.Count(block, "curl ") - strings.Count(block, "$(curl "); len(codes) != calls {
			t.Fatalf("%d curl calls printed %d envelopes:\n%s\n---\n%s", calls, len(codes), block, out)
		}
		for _, m := range codes {
			if !regexp.MustCompile(`\b` + m[1] + `\b`).MatchString(block) {
				t.Errorf("answer %s is not what the guide announces:\n%s\n---\n%s", m[1], block, out)
			}
		}
		if m := regexp.MustCompile(`Retry-After: \d+`).FindString(block); m != "" && !strings.Contains(string(out), m) {
			t.Errorf("the answer lacks %s:\n%s", m, out)
		}
	}
}
