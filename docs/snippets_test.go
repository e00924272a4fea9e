package docs

// The convention for Go in the Markdown (README.md and docs/*.md), which this test enforces:
//
//   - Every ```go block is one COMPLETE Go file: it starts with its `package` clause and has
//     its imports, so a reader can paste it into a file and build it as it is.
//   - A block whose package name ends in _test, or which declares a Test, Example, Benchmark
//     or Fuzz function, is a test file (snippet_test.go); any other block is snippet.go.
//   - Each block gets a directory of its own inside this module (under docs/_snippets-*,
//     removed afterwards), so it may import every package of the module and its dependencies.
//     All of them are then checked with one `go vet`, which type-checks them, test files
//     included, and runs vet's analyses. Test files are then run with `go test`: a test shown
//     in the guides passes as written (programs, which would talk to a server, only compile).
//   - Errors name the Markdown file and line (a //line directive above each block).
//
// A block that is deliberately not a whole file (a fragment inside prose) must not be
// fenced as ```go: fence it as ```text, or write it out whole.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// snippet is one ```go block: where it is and what it says.
type snippet struct {
	file string // the Markdown file, relative to the repository root
	line int    // the line of the block's first line of code
	code string
}

// goBlocks returns the ```go blocks of a Markdown file, fence indentation removed.
func goBlocks(t *testing.T, root, name string) []snippet {
	t.Helper()
	f, err := os.Open(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []snippet
	var cur *snippet
	var indent string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		switch {
		case cur == nil && strings.TrimRight(trimmed, " ") == "```go":
			indent = line[:len(line)-len(trimmed)]
			cur = &snippet{file: name, line: n + 1}
		case cur != nil && strings.TrimRight(trimmed, " ") == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.code += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("%s:%d: a ```go block is never closed", name, cur.line-1)
	}
	return out
}

var (
	packageClause = regexp.MustCompile(`^package ([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	testFunc      = regexp.MustCompile(`(?m)^func (Test|Example|Benchmark|Fuzz)\w*\(`)
)

// TestGoSnippetsBuild: every Go block in README.md and docs/*.md is a complete file that
// compiles and passes go vet (see the convention above).
func TestGoSnippetsBuild(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	guides, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, g := range guides {
		files = append(files, filepath.Join("docs", filepath.Base(g)))
	}
	var snippets []snippet
	for _, f := range files {
		snippets = append(snippets, goBlocks(t, root, f)...)
	}
	if readme := len(goBlocks(t, root, "README.md")); readme == 0 {
		t.Fatalf("found %d Go blocks in README.md; the extraction is broken", readme)
	}

	work, err := os.MkdirTemp(".", "_snippets-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	var dirs, tests []string
	for i, s := range snippets {
		first, _, _ := strings.Cut(s.code, "\n")
		m := packageClause.FindStringSubmatch(first)
		if m == nil {
			t.Errorf("%s:%d: a ```go block must be a complete Go file, starting with its package clause; it starts %q", s.file, s.line, first)
			continue
		}
		name := "snippet.go"
		if strings.HasSuffix(m[1], "_test") || testFunc.MatchString(s.code) {
			name = "snippet_test.go"
		}
		dir := filepath.Join(work, fmt.Sprintf("s%02d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf("//line %s:%d\n%s", filepath.Join(root, s.file), s.line, s.code)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, "./"+filepath.ToSlash(dir))
		if name == "snippet_test.go" {
			tests = append(tests, "./"+filepath.ToSlash(dir))
		}
	}
	if len(dirs) == 0 {
		return
	}
	cmd := exec.Command("go", append([]string{"vet"}, dirs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the Markdown's Go blocks: %v\n%s", err, out)
	}
	t.Logf("%d Go blocks in %d Markdown files compile and pass go vet", len(dirs), len(files))
	if len(tests) == 0 {
		return
	}
	cmd = exec.Command("go", append([]string{"test", "-count=1"}, tests...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test of the Markdown's test blocks: %v\n%s", err, out)
	}
	t.Logf("%d of them are tests, and pass", len(tests))
}
