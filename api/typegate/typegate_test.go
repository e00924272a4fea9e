// Package typegate is the TypeScript type gate: consumer.ts, a consumer key call through
// openapi-fetch, compiled with tsc --strict against the types make generate-web writes from
// openapi.yaml (npm/crmauth/gen/openapi.d.ts).
package typegate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/nodetest"
)

// TestTypesRefuseWrongIdentifierTypes compiles consumer.ts under --strict: its valid calls must
// compile, and every line under a `// @ts-expect-error` directive must not (tsc fails on a
// directive that has no error under it). A control run without the directives then proves each
// of those lines fails for a type reason (a value not assignable, an unknown member, a missing
// member), not for a typo.
func TestTypesRefuseWrongIdentifierTypes(t *testing.T) {
	tsc := nodetest.Bin(t, "tsc")
	if out, err := runTSC(t, tsc, "-p", "tsconfig.json"); err != nil {
		t.Fatalf("tsc --strict on consumer.ts: %v\n%s", err, out)
	}

	src, err := os.ReadFile("consumer.ts")
	if err != nil {
		t.Fatal(err)
	}
	root, err := nodetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	var expected []int // 1-based numbers of the lines under a directive
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "// @ts-expect-error") {
			lines[i] = "//"
			expected = append(expected, i+2)
		}
	}
	if len(expected) < 10 {
		t.Fatalf("consumer.ts has %d @ts-expect-error lines; the gate is built on 10", len(expected))
	}
	// The control copy lives outside the repository: its imports point back into it.
	control := strings.Replace(strings.Join(lines, "\n"), `"../../npm/crmauth/gen/openapi.d.ts"`,
		jsonString(t, filepath.Join(root, "npm", "crmauth", "gen", "openapi.d.ts")), 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "consumer.ts"), []byte(control), 0o644); err != nil {
		t.Fatal(err)
	}
	config := map[string]any{
		"extends": filepath.Join(root, "api", "typegate", "tsconfig.json"),
		"compilerOptions": map[string]any{
			"paths": map[string]any{"openapi-fetch": []string{filepath.Join(root, "node_modules", "openapi-fetch", "dist", "index.d.mts")}},
		},
		"files": []string{"consumer.ts"},
	}
	if err := os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(jsonString(t, config)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := runTSC(t, tsc, "-p", filepath.Join(dir, "tsconfig.json"))
	typeError := regexp.MustCompile(`consumer\.ts\((\d+),\d+\): error (TS\d+)`)
	failed := map[int]string{}
	for _, m := range typeError.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[1])
		failed[n] = m[2]
	}
	for _, n := range expected {
		switch failed[n] {
		case "TS2322", "TS2353", "TS2741", "TS2345", "TS2769":
		default:
			t.Errorf("consumer.ts:%d: without its directive, tsc says %q, want a type error on that line", n, failed[n])
		}
	}
	for n, code := range failed {
		if !slices.Contains(expected, n) {
			t.Errorf("consumer.ts:%d: %s on a line without a directive", n, code)
		}
	}
	if t.Failed() {
		t.Logf("tsc's control run:\n%s", out)
	}
	t.Logf("%d wrong identifier and body types refused by tsc --strict", len(expected))
}

func runTSC(t *testing.T, tsc string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, tsc, append([]string{"--pretty", "false"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
