// Package portman is the contract gate of outside tools: Portman (pinned in package.json)
// turns openapi.yaml and portman-config.json into a Postman collection of contract tests, and
// newman runs it against the stub.
package portman

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/nodetest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestPortmanContractTests generates Portman's contract tests from openapi.yaml and runs them
// with newman against a stub on a free port: the four methods' successful calls (valid
// credentials from the default fixtures, and release with the token login answered, through
// portman-config.json) and variations reaching every declared error status but 413 (wrong
// credentials, a missing member, an unpaired pass code, a unit not allowed, a body that is not
// JSON, and 429, 500 and 503 by fault injection). Each answer's status, content type, JSON body,
// JSON schema and declared headers are checked, and the challenge, Retry-After and status.code
// values where the spec fixes them. Zero failures.
func TestPortmanContractTests(t *testing.T) {
	portman := nodetest.Bin(t, "portman")
	newman := nodetest.Bin(t, "newman")
	root, err := nodetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)

	dir := t.TempDir() // Portman writes its working files under the current directory
	collection := filepath.Join(dir, "collection.json")
	run(t, dir, portman,
		"--local", filepath.Join(root, "openapi.yaml"),
		"--baseUrl", srv.BaseURL,
		"--portmanConfigFile", filepath.Join(root, "api", "portman", "portman-config.json"),
		"--output", collection,
		"--includeTests", "true",
		"--runNewman", "false",
		"--syncPostman", "false")

	report := filepath.Join(dir, "newman.json")
	out, runErr := command(dir, newman, "run", collection,
		"--reporters", "cli,json", "--reporter-json-export", report,
		"--color", "off", "--disable-unicode", "--timeout-request", "10000")
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("newman wrote no report (%v): %v\n%s", runErr, err, out)
	}
	var r struct {
		Run struct {
			Stats    map[string]struct{ Total, Failed int }
			Failures []struct {
				Source struct{ Name string }
				Error  struct{ Test, Message string }
			}
		}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	requests, assertions := r.Run.Stats["requests"], r.Run.Stats["assertions"]
	t.Logf("newman: %d requests (%d failed), %d assertions (%d failed)", requests.Total, requests.Failed, assertions.Total, assertions.Failed)
	for _, f := range r.Run.Failures {
		t.Errorf("%s: %s: %s", f.Source.Name, f.Error.Test, f.Error.Message)
	}
	if runErr != nil || requests.Failed+assertions.Failed > 0 {
		t.Fatalf("newman: %v\n%s", runErr, out)
	}
	// 4 methods; 5 401s, 2 400s, 3 403s; 4 each of 415, 429, 500 and 503.
	if requests.Total < 30 || assertions.Total < 5*requests.Total {
		t.Errorf("newman ran %d requests with %d assertions; the collection has 30 requests with at least 5 checks each", requests.Total, assertions.Total)
	}
}

func run(t *testing.T, dir, bin string, args ...string) {
	t.Helper()
	if out, err := command(dir, bin, args...); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(bin), err, out)
	}
}

func command(dir, bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}
