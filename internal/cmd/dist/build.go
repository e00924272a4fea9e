package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// mainPackage is the command the release ships.
const mainPackage = "./cmd/crmauth"

// ldflags strip the symbol table and DWARF (-s -w: the binary is about a third smaller; Go's
// own build information stays, so `crmauth version` still names the commit), empty the build
// ID (it hashes the build's inputs, paths included) and stamp the version.
func ldflags(version string) string {
	return "-s -w -buildid= -X main.version=" + version
}

// build compiles the binary for p into out/bin/<os>_<arch>/ and returns its path.
func build(src source, p platform, out string) (string, error) {
	bin := filepath.Join(out, "bin", p.dir(), p.binary())
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	// -buildvcs=auto: the commit is recorded wherever git can name it (`crmauth version` shows
	// it), whatever GOFLAGS says; a source tree without git still builds.
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=auto", "-ldflags", ldflags(src.Version), "-o", abs, mainPackage)
	cmd.Dir = src.Root
	cmd.Env = buildEnv(os.Environ(), p)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", p, err)
	}
	return bin, nil
}

// buildEnv is env for a static build for p: no cgo, and none of the variables that would
// change the code generated for the same GOOS/GOARCH on another machine (GOAMD64 and its
// kin: the release targets each architecture's baseline).
func buildEnv(env []string, p platform) []string {
	drop := map[string]bool{"GOOS": true, "GOARCH": true, "CGO_ENABLED": true, "GOEXPERIMENT": true,
		"GOAMD64": true, "GOARM64": true, "GOARM": true, "GO386": true, "GOMIPS": true, "GOPPC64": true, "GORISCV64": true}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
}
