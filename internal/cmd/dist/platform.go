package main

import (
	"fmt"
	"strings"
)

// platform is one GOOS/GOARCH pair.
type platform struct{ OS, Arch string }

func (p platform) String() string { return p.OS + "/" + p.Arch }

// dir is the platform's directory under bin/: linux_amd64.
func (p platform) dir() string { return p.OS + "_" + p.Arch }

// binary is the executable's name on the platform.
func (p platform) binary() string {
	if p.OS == "windows" {
		return "crmauth.exe"
	}
	return "crmauth"
}

// archiveName is the release archive of version for p: .zip on Windows, .tar.gz elsewhere.
func (p platform) archiveName(version string) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return "crmauth_" + version + "_" + p.dir() + ext
}

// parsePlatforms reads "linux/amd64 darwin/arm64" (spaces or commas), each once.
func parsePlatforms(list string) ([]platform, error) {
	var out []platform
	seen := map[platform]bool{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		goos, goarch, ok := strings.Cut(f, "/")
		if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
			return nil, fmt.Errorf("platform %q: want GOOS/GOARCH, like linux/amd64", f)
		}
		p := platform{goos, goarch}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no platforms given")
	}
	return out, nil
}
