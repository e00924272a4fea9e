package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version is the release version `make dist` stamps (-X main.version=1.0.0, from VERSION or
// the release tag); empty in a binary built otherwise, which prints the module version Go
// recorded instead.
var version string

// runVersion prints what this binary was built from: `crmauth version`, `crmauth --version`.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageFailure(stderr, "version", fmt.Errorf("takes no arguments, got %q", args[0]))
	}
	info, _ := debug.ReadBuildInfo() // nil when the binary has none
	fmt.Fprintln(stdout, versionLine(info))
	return 0
}

// versionLine is the release version (or, in a binary not built by `make dist`, the module
// version) and the VCS commit the binary was built from, as the Go toolchain recorded them,
// for example
//
//	crmauth 1.0.0 commit 2c1b7bc9d0e1… (clean, committed 2026-03-01T12:00:00Z) go1.26.0
//	crmauth v1.2.0 commit 2c1b7bc9d0e1… (modified, committed 2026-03-01T12:00:00Z) go1.26.0
//
// `go install …@v1.2.0` records the version and no commit; `go build` in a checkout records
// the commit, whether the work tree had changes, and "(devel)" as the version.
func versionLine(info *debug.BuildInfo) string {
	if info == nil {
		if version != "" {
			return "crmauth " + version + " (no build information in the binary)"
		}
		return "crmauth (no build information in the binary)"
	}
	v := cmp.Or(version, info.Main.Version, "(unknown version)")
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	line := "crmauth " + v
	if rev := settings["vcs.revision"]; rev != "" {
		line += " commit " + rev
		state := "clean"
		if settings["vcs.modified"] == "true" {
			state = "modified"
		}
		if t := settings["vcs.time"]; t != "" {
			state += ", committed " + t
		}
		line += " (" + state + ")"
	} else {
		line += " (no VCS commit recorded)"
	}
	if info.GoVersion != "" {
		line += " " + info.GoVersion
	}
	return line
}
