package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// file is one member of an archive.
type file struct {
	name string // in the archive
	path string // on disk
	mode os.FileMode
}

// members are an archive's files, in byte order of their names: LICENSE, README.md, the binary.
func members(src source, p platform, bin string) []file {
	fs := []file{
		{p.binary(), bin, 0o755},
		{"LICENSE", filepath.Join(src.Root, "LICENSE"), 0o644},
		{"README.md", filepath.Join(src.Root, "README.md"), 0o644},
	}
	slices.SortFunc(fs, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return fs
}

// writeArchive writes p's archive into out and returns its name.
func writeArchive(src source, p platform, bin, out string) (string, error) {
	name := p.archiveName(src.Version)
	f, err := os.Create(filepath.Join(out, name))
	if err != nil {
		return "", err
	}
	if p.OS == "windows" {
		err = writeZip(f, src, members(src, p, bin))
	} else {
		err = writeTarGz(f, src, members(src, p, bin))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return name, nil
}

// writeTarGz writes a gzip-compressed tar of fs: owner 0:0 with no names, every time
// src.Epoch, and a gzip header with no file name and no time (what `gzip -n` writes).
func writeTarGz(w io.Writer, src source, fs []file) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range fs {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: int64(f.mode), Size: int64(len(data)),
			ModTime: src.Epoch, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip writes a zip of fs, deflated, every time src.Epoch.
func writeZip(w io.Writer, src source, fs []file) error {
	zw := zip.NewWriter(w)
	for _, f := range fs {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: src.Epoch}
		hdr.SetMode(f.mode)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeSums writes out/SHA256SUMS over the archives, in name order, in the format
// `sha256sum -c` reads.
func writeSums(out string, archives []string) error {
	slices.Sort(archives)
	var b strings.Builder
	for _, name := range archives {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(b.String()), 0o644)
}

// clean removes what an earlier run wrote into out (bin/, archives, SHA256SUMS) and leaves
// anything else there (the image's build context, dist/image/).
func clean(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(out, "bin")); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(out, "crmauth_*"))
	if err != nil {
		return err
	}
	for _, f := range append(old, filepath.Join(out, "SHA256SUMS")) {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
