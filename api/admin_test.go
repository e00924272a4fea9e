package api

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The gate knows the second document: api/admin.yaml is compared with the newest
// api/releases/admin-<version>.yaml and its changelog entries are "## admin <version>".
func TestBreakingChangeGateAdminDocument(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the gate is a bash script and bash is not installed")
	}
	requireOasdiff(t)
	b, err := os.ReadFile("admin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	spec := doc.Content[0]
	version := at(t, spec, "info", "version").Value
	run := func(t *testing.T, spec *yaml.Node, changelog string) (string, bool) {
		return runGateOn(t, "admin.yaml", spec, changelog)
	}
	logged := "# Changelog\n\n## admin " + version + "\n"
	if out, ok := run(t, spec, logged); !ok || !strings.Contains(out, "releases/admin-"+version+".yaml") {
		t.Errorf("unchanged admin.yaml: passed %v\n%s", ok, out)
	}
	if out, ok := run(t, spec, "# Changelog\n\n## "+version+"\n"); ok || !strings.Contains(out, "no '## admin "+version+"' entry") {
		t.Errorf("an openapi-style entry passed for admin.yaml:\n%s", out)
	}
	deleteKey(t, at(t, spec, "paths"), "/_crmauth/reset")
	if out, ok := run(t, spec, logged); ok || !strings.Contains(out, "api-path-removed") {
		t.Errorf("removing /_crmauth/reset passed the gate:\n%s", out)
	}
}

// Both references are built, the admin one self-contained like the first.
func TestStaticAdminDocs(t *testing.T) {
	page, err := os.ReadFile("../docs-build/admin.html")
	if err != nil {
		readDocs(t) // skips or fails as for index.html
		t.Fatal("docs-build/index.html exists but admin.html does not: run `make docs`")
	}
	for _, want := range []string{`<meta http-equiv="Content-Security-Policy"`, "List the requests the stub answered", "Return the stub to its start state"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("docs-build/admin.html lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<script src=")) {
		t.Error("docs-build/admin.html loads a script file")
	}
}
