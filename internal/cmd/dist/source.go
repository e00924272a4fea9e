package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// source is what a release is built from.
type source struct {
	Root     string    // the module's root directory
	Version  string    // without a leading v: 1.0.0
	Epoch    time.Time // SOURCE_DATE_EPOCH: every archived file's time
	Warnings []string
}

// releaseTag is a release's git tag: v and a semantic version.
var releaseTag = regexp.MustCompile(`^v(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

// readSource reads the version and the date of the checkout at root. The version is the tag
// vX.Y.Z on HEAD when there is one (the tag wins: it is what the release page shows), else
// the VERSION file; a tag that disagrees with VERSION is warned about. SOURCE_DATE_EPOCH is
// the environment's when set, else HEAD's commit time.
func readSource(root string) (source, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return source{}, err
	}
	src := source{Root: abs}
	data, err := os.ReadFile(filepath.Join(abs, "VERSION"))
	if err != nil {
		return src, fmt.Errorf("the version: %w (run from the repository's root)", err)
	}
	src.Version = strings.TrimPrefix(strings.TrimSpace(string(data)), "v")
	if !releaseTag.MatchString("v" + src.Version) {
		return src, fmt.Errorf("VERSION holds %q, not a version like 1.2.3", src.Version)
	}
	if tags, err := git(abs, "tag", "--points-at", "HEAD"); err == nil {
		for _, tag := range strings.Fields(tags) {
			if m := releaseTag.FindStringSubmatch(tag); m != nil {
				if m[1] != src.Version {
					src.Warnings = append(src.Warnings, fmt.Sprintf("HEAD is tagged %s but VERSION holds %s: the tag wins", tag, src.Version))
				}
				src.Version = m[1]
				break
			}
		}
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return src, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a count of seconds", s)
		}
		src.Epoch = time.Unix(n, 0).UTC()
		return src, nil
	}
	ct, err := git(abs, "log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return src, fmt.Errorf("no SOURCE_DATE_EPOCH and no git commit to take it from: %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(ct), 10, 64)
	if err != nil {
		return src, fmt.Errorf("git's commit time %q: %w", ct, err)
	}
	src.Epoch = time.Unix(n, 0).UTC()
	return src, nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
	}
	return string(out), err
}
