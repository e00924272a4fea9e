// Command dist builds crmauth's release files (`make dist`): one static binary per platform,
// an archive of each with README.md and LICENSE, and SHA256SUMS over the archives.
//
//	go run ./internal/cmd/dist                              # the six platforms into dist/
//	go run ./internal/cmd/dist -platforms linux/amd64       # a subset
//	go run ./internal/cmd/dist -print-version               # the version it would stamp
//
// Output (a layout the npm packages and the Containerfile read):
//
//	dist/bin/<goos>_<goarch>/crmauth[.exe]
//	dist/crmauth_<version>_<goos>_<goarch>.tar.gz   (.zip for windows)
//	dist/SHA256SUMS
//
// Two runs on the same commit give the same bytes, in any directory and with any build cache:
// binaries are built with CGO_ENABLED=0, -trimpath and an empty build ID; archives list their
// files in name order, owned by 0:0, dated SOURCE_DATE_EPOCH (the commit's time unless set),
// and gzip records no name nor time (as `gzip -n`).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// defaultPlatforms are the release's platforms, as GOOS/GOARCH.
var defaultPlatforms = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

func main() {
	platforms := flag.String("platforms", strings.Join(defaultPlatforms, " "), "GOOS/GOARCH pairs to build, separated by spaces or commas")
	out := flag.String("out", "dist", "directory to write into (its bin/, archives and SHA256SUMS are replaced)")
	version := flag.String("version", "", "version to stamp (default: the tag vX.Y.Z on HEAD, else the VERSION file)")
	printVersion := flag.Bool("print-version", false, "print the version that would be stamped, and stop")
	archives := flag.Bool("archives", true, "write the archives and SHA256SUMS (false: only bin/, as make image wants)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "dist: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*platforms, *out, *version, *printVersion, *archives); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(platformList, out, version string, printVersion, withArchives bool) error {
	src, err := readSource(".")
	if err != nil {
		return err
	}
	if version != "" {
		src.Version = strings.TrimPrefix(version, "v")
	}
	if printVersion {
		fmt.Println(src.Version)
		return nil
	}
	targets, err := parsePlatforms(platformList)
	if err != nil {
		return err
	}
	for _, w := range src.Warnings {
		fmt.Fprintln(os.Stderr, "dist: warning:", w)
	}
	if err := clean(out); err != nil {
		return err
	}
	var archives []string
	for _, p := range targets {
		start := time.Now()
		bin, err := build(src, p, out)
		if err != nil {
			return err
		}
		built := time.Since(start)
		info, _ := os.Stat(bin)
		fmt.Fprintf(os.Stderr, "dist: %-14s %6.1f MB  built in %s\n", p, float64(info.Size())/1e6, built.Round(100*time.Millisecond))
		if !withArchives {
			continue
		}
		archive, err := writeArchive(src, p, bin, out)
		if err != nil {
			return err
		}
		archives = append(archives, archive)
	}
	if !withArchives {
		return nil
	}
	if err := writeSums(out, archives); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "dist: crmauth %s, %d archives and SHA256SUMS in %s (SOURCE_DATE_EPOCH=%d)\n",
		src.Version, len(archives), out, src.Epoch.Unix())
	return nil
}
