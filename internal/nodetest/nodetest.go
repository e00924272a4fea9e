// Package nodetest finds the repository's pinned Node tools for tests that run them (the
// contract and type gates): the executables npm ci puts in node_modules/.bin at the
// repository root, and Node.js itself. A test that cannot find them is skipped with the reason,
// and fails instead when CI=true, so a gate never passes in CI without having run.
package nodetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Bin returns the absolute path of node_modules/.bin/name at the repository root (the nearest
// directory above the working directory that holds go.mod).
func Bin(t testing.TB, name string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "Node.js is not installed: "+name+" needs it (Node.js >= 20.19, then npm ci at the repository root)")
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "node_modules", ".bin", name)
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, name+" is not installed: run npm ci at the repository root")
	}
	return bin
}

// RepoRoot is the nearest directory above the working directory that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Unavailable skips the test with msg, or fails it when CI=true (.ci/run installs the tools).
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
