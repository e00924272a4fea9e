package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// gitRepo makes a repository holding VERSION with one commit dated at epoch.
func gitRepo(t *testing.T, version string, epoch time.Time) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte(version+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	date := epoch.Format(time.RFC3339)
	for _, args := range [][]string{{"init", "-q"}, {"add", "VERSION"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "v"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE="+date, "GIT_AUTHOR_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	return dir
}

// TestReadSource: the version is VERSION's unless HEAD carries a release tag, which wins
// (with a warning when they differ); SOURCE_DATE_EPOCH is the commit's time unless the
// environment sets it; a VERSION that is no version is refused.
func TestReadSource(t *testing.T) {
	epoch := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := gitRepo(t, "1.2.0", epoch)
	t.Setenv("SOURCE_DATE_EPOCH", "")
	src, err := readSource(dir)
	if err != nil || src.Version != "1.2.0" || !src.Epoch.Equal(epoch) || len(src.Warnings) != 0 {
		t.Fatalf("untagged: %+v %v", src, err)
	}
	for _, tag := range []string{"not-a-release", "v1.3.0"} {
		if out, err := exec.Command("git", "-C", dir, "tag", tag).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
	}
	src, err = readSource(dir)
	if err != nil || src.Version != "1.3.0" || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "the tag wins") {
		t.Fatalf("tagged v1.3.0 over VERSION 1.2.0: %+v %v", src, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	if src, err = readSource(dir); err != nil || src.Epoch.Unix() != 1700000000 {
		t.Fatalf("SOURCE_DATE_EPOCH set: %+v %v", src, err)
	}
	os.WriteFile(filepath.Join(dir, "VERSION"), []byte("next\n"), 0o644)
	if _, err := readSource(dir); err == nil || !strings.Contains(err.Error(), "not a version") {
		t.Fatalf("VERSION next: %v", err)
	}
}

func TestParsePlatforms(t *testing.T) {
	got, err := parsePlatforms("linux/amd64, windows/arm64 linux/amd64")
	if err != nil || !slices.Equal(got, []platform{{"linux", "amd64"}, {"windows", "arm64"}}) {
		t.Fatalf("%v %v", got, err)
	}
	if got[1].archiveName("1.0.0") != "crmauth_1.0.0_windows_arm64.zip" || got[1].binary() != "crmauth.exe" ||
		got[0].archiveName("1.0.0") != "crmauth_1.0.0_linux_amd64.tar.gz" {
		t.Errorf("names: %s %s %s", got[1].archiveName("1.0.0"), got[1].binary(), got[0].archiveName("1.0.0"))
	}
	for _, bad := range []string{"", "linux", "linux/", "/amd64", "linux/amd64/v2"} {
		if _, err := parsePlatforms(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
