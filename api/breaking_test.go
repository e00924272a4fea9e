// Package api holds what publishes the contract: the released specs (releases/), the
// breaking-change gate (breaking.sh) and the static reference's page template (redoc.hbs).
// Its test proves the gate: breaking edits of openapi.yaml fail it, harmless ones pass.
package api

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// oasdiffModule is the tool the gate runs; the test builds it once up front.
const oasdiffModule = "github.com/oasdiff/oasdiff@v1.35.0"

func TestBreakingChangeGate(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the gate is a bash script and bash is not installed")
	}
	requireOasdiff(t)

	// Versions relative to the spec's own, which is the last release: the cases hold however
	// many releases come after this test was written.
	current := at(t, loadSpec(t), "info", "version").Value
	var major, minor, patch int
	if _, err := fmt.Sscanf(current, "%d.%d.%d", &major, &minor, &patch); err != nil {
		t.Fatalf("info.version %q: %v", current, err)
	}
	nextPatch := fmt.Sprintf("%d.%d.%d", major, minor, patch+1)
	nextMinor := fmt.Sprintf("%d.%d.0", major, minor+1)
	nextMajor := fmt.Sprintf("%d.0.0", major+1)

	cases := []struct {
		name     string
		edit     func(t *testing.T, spec *yaml.Node)
		version  string // info.version to set; "" keeps the current one
		logged   bool   // the changelog has an entry for version
		wantPass bool
		wantOut  string // in the gate's output
	}{
		{name: "unchanged spec passes", wantPass: true, wantOut: "no breaking change"},
		{
			name:    "removing a response field fails",
			edit:    removeTokenFromResponses,
			wantOut: "response-required-property-removed",
		},
		{
			name: "making an optional request member required fails",
			edit: func(t *testing.T, spec *yaml.Node) {
				required := at(t, spec, "components", "schemas", "LoginRequest", "required")
				required.Content = append(required.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "unit"})
			},
			wantOut: "request-property-became-required",
		},
		{
			name: "removing an operation fails",
			edit: func(t *testing.T, spec *yaml.Node) {
				deleteKey(t, at(t, spec, "paths"), "/authentication/token/release")
			},
			wantOut: "api-path-removed",
		},
		{
			name: "adding an optional request member and rewording a summary passes",
			edit: func(t *testing.T, spec *yaml.Node) {
				setKey(at(t, spec, "components", "schemas", "LoginRequest", "properties"), "remember_me",
					mapping("type", "boolean", "description", "Keep the session for longer."))
				setKey(at(t, spec, "paths", "/authentication/token/release", "post"), "summary",
					&yaml.Node{Kind: yaml.ScalarNode, Value: "Release an authentication token"})
			},
			version: nextMinor, logged: true, wantPass: true, wantOut: "no breaking change",
		},
		{
			name:    "a breaking change passes when the major part is raised",
			edit:    removeTokenFromResponses,
			version: nextMajor, logged: true, wantPass: true, wantOut: "major part was raised",
		},
		{
			name:    "a version without a changelog entry fails",
			version: nextPatch,
			wantOut: "no '## " + nextPatch + "' entry",
		},
		{
			name:    "a version below the last release fails",
			version: "0.9.0", logged: true,
			wantOut: "below the last release",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := loadSpec(t)
			if tc.edit != nil {
				tc.edit(t, spec)
			}
			changelog := "# Changelog\n\n## " + current + "\n"
			if tc.version != "" {
				setKey(at(t, spec, "info"), "version", &yaml.Node{Kind: yaml.ScalarNode, Value: tc.version})
				if tc.logged {
					changelog += "\n## " + tc.version + "\n"
				}
			}
			out, passed := runGate(t, spec, changelog)
			if passed != tc.wantPass {
				t.Errorf("gate passed = %v, want %v; output:\n%s", passed, tc.wantPass, out)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("gate output lacks %q:\n%s", tc.wantOut, out)
			}
		})
	}
}

// The baseline is a released spec the gate can read, and the changelog names it.
func TestReleasedSpecsAreInTheChangelog(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the gate is a bash script and bash is not installed")
	}
	releases, err := filepath.Glob("releases/openapi-*.yaml")
	if err != nil || len(releases) == 0 {
		t.Fatalf("no released spec in api/releases/: %v", err)
	}
	changelog, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range releases {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(r), "openapi-"), ".yaml")
		out, err := exec.Command("bash", "breaking.sh", "--version", r).Output()
		if err != nil || strings.TrimSpace(string(out)) != v {
			t.Errorf("%s: info.version is %q, want %q (%v)", r, strings.TrimSpace(string(out)), v, err)
		}
		if !bytes.Contains(changelog, []byte("\n## "+v+" ")) && !bytes.Contains(changelog, []byte("\n## "+v+"\n")) {
			t.Errorf("CHANGELOG.md has no '## %s' entry", v)
		}
	}
}

func requireOasdiff(t *testing.T) {
	t.Helper()
	out, err := exec.Command("go", "run", oasdiffModule, "--version").CombinedOutput()
	if err == nil {
		return
	}
	msg := "cannot build " + oasdiffModule + " (the module proxy must be reachable once): " + err.Error() + "\n" + string(out)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// runGate runs api/breaking.sh on spec, written as openapi.yaml, against the real baseline in
// api/releases/.
func runGate(t *testing.T, spec *yaml.Node, changelog string) (string, bool) {
	t.Helper()
	return runGateOn(t, "openapi.yaml", spec, changelog)
}

// runGateOn runs api/breaking.sh on spec written as a file of that name (the gate picks the
// document's baseline by it: openapi.yaml or admin.yaml), with changelog as CHANGELOG.md. It
// reports what the gate printed and whether it passed; a gate that did not run fails the test.
func runGateOn(t *testing.T, name string, spec *yaml.Node, changelog string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(spec); err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, name)
	changelogPath := filepath.Join(dir, "CHANGELOG.md")
	if err := os.WriteFile(specPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changelogPath, []byte(changelog), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "api/breaking.sh", specPath)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CHANGELOG="+changelogPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("the gate did not run: %v\n%s", err, out)
		}
	}
	return string(out), err == nil
}

func loadSpec(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// removeTokenFromResponses drops the token, the one member of every token answer's data.
func removeTokenFromResponses(t *testing.T, spec *yaml.Node) {
	data := at(t, spec, "components", "schemas", "TokenData")
	deleteKey(t, data, "required")
	deleteKey(t, at(t, data, "properties"), "token")
}

// at walks mapping keys from n and fails the test when one is missing (the spec moved on:
// update the edit).
func at(t *testing.T, n *yaml.Node, keys ...string) *yaml.Node {
	t.Helper()
	for _, k := range keys {
		i := index(n, k)
		if i < 0 {
			t.Fatalf("openapi.yaml has no %q in %v", k, keys)
		}
		n = n.Content[i+1]
	}
	return n
}

func index(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func deleteKey(t *testing.T, m *yaml.Node, key string) {
	t.Helper()
	i := index(m, key)
	if i < 0 {
		t.Fatalf("openapi.yaml has no %q here", key)
	}
	m.Content = append(m.Content[:i], m.Content[i+2:]...)
}

func setKey(m *yaml.Node, key string, value *yaml.Node) {
	if i := index(m, key); i >= 0 {
		m.Content[i+1] = value
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
}

func mapping(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[i]}, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[i+1]})
	}
	return m
}
