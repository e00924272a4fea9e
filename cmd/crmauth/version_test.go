package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	const rev = "2c1b7bc9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"built in a checkout with changes", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-03-01T12:00:00Z", "vcs.modified", "true")},
			"crmauth (devel) commit " + rev + " (modified, committed 2026-03-01T12:00:00Z) go1.26.0"},
		{"built in a clean checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"},
			Settings: settings("vcs.revision", rev, "vcs.modified", "false")},
			"crmauth v1.2.0 commit " + rev + " (clean) go1.26.0"},
		{"go install module@version", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}},
			"crmauth v1.2.0 (no VCS commit recorded) go1.26.0"},
		{"no version", &debug.BuildInfo{}, "crmauth (unknown version) (no VCS commit recorded)"},
		{"no build information", nil, "crmauth (no build information in the binary)"},
	} {
		if got := versionLine(c.info); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// TestVersionLineStamped: the version `make dist` stamps replaces the module version, and the
// commit Go recorded stays in the line.
func TestVersionLineStamped(t *testing.T) {
	const rev = "2c1b7bc9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
	defer func(v string) { version = v }(version)
	version = "1.0.0"
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20260301120000-2c1b7bc9d0e1"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}}
	if got, want := versionLine(info), "crmauth 1.0.0 commit "+rev+" (clean) go1.26.0"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, want := versionLine(nil), "crmauth 1.0.0 (no build information in the binary)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestVersionCommand: `crmauth version` and `crmauth --version` print this binary's
// versionLine (a test binary's build information has no VCS settings, hence the formatting
// test above), and the command is listed by `crmauth help`.
func TestVersionCommand(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	want := versionLine(info) + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 || stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("crmauth %s: exit %d, stdout %q, stderr %q; want %q", args[0], code, stdout.String(), stderr.String(), want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version", "extra"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "takes no arguments") {
		t.Errorf("crmauth version extra: exit %d, stderr %q", code, stderr.String())
	}
	stdout.Reset()
	run(context.Background(), []string{"help"}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "version ") {
		t.Errorf("help does not list version:\n%s", stdout.String())
	}
}
