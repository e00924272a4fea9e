//go:build !race

package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// member is a file in a release archive.
type member struct {
	name    string
	mode    int64
	uid     int
	modTime time.Time
	data    []byte
}

// TestDist: every platform's binary and archive exist; each archive holds exactly the binary
// (the same bytes), LICENSE and README.md (the repository's), in name order, owned by 0 and
// dated alike, and a tar.gz's gzip header records no name nor time; the Linux binaries are
// statically linked (no interpreter, no shared library); SHA256SUMS names every archive and
// `sha256sum -c` verifies it.
func TestDist(t *testing.T) {
	dir, platforms := dist(t)
	version := repoVersion(t)
	license, _ := os.ReadFile(filepath.Join(root, "LICENSE"))
	readme, _ := os.ReadFile(filepath.Join(root, "README.md"))
	var names []string
	for _, p := range platforms {
		bin, err := os.ReadFile(binary(dir, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		name := archive(version, p)
		names = append(names, name)
		members := readArchive(t, filepath.Join(dir, name))
		// Byte order: upper case first.
		want := []string{"LICENSE", "README.md", filepath.Base(binary(dir, p))}
		var got []string
		for _, m := range members {
			got = append(got, m.name)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s holds %v, want %v in that order", name, got, want)
		}
		for i, content := range [][]byte{license, readme, bin} {
			m := members[i]
			if !bytes.Equal(m.data, content) {
				t.Errorf("%s: %s is not the same bytes as the repository's or bin/'s", name, m.name)
			}
			if m.uid != 0 || !m.modTime.Equal(members[0].modTime) {
				t.Errorf("%s: %s owned by %d, dated %s (the first member: %s)", name, m.name, m.uid, m.modTime, members[0].modTime)
			}
		}
		if members[2].mode&0o111 == 0 {
			t.Errorf("%s: the binary is not executable (mode %o)", name, members[2].mode)
		}
		if strings.HasPrefix(p, "linux/") {
			assertStatic(t, binary(dir, p))
		}
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for sc := bufio.NewScanner(bytes.NewReader(sums)); sc.Scan(); {
		if f := strings.Fields(sc.Text()); len(f) == 2 {
			listed = append(listed, f[1])
		}
	}
	slices.Sort(names)
	if !slices.Equal(listed, names) {
		t.Errorf("SHA256SUMS lists %v, want %v", listed, names)
	}
	redistest.Require(t, "sha256sum")
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
}

// readArchive returns the members of a .tar.gz or .zip, in their order.
func readArchive(t *testing.T, path string) []member {
	t.Helper()
	var out []member
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, member{f.Name, int64(f.Mode().Perm()), 0, f.Modified, data})
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("%s: the gzip header records name %q and time %s (gzip -n records neither)", path, gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Uname != "" || h.Gname != "" || h.Gid != 0 {
			t.Errorf("%s: %s owned by %q/%q gid %d", path, h.Name, h.Uname, h.Gname, h.Gid)
		}
		out = append(out, member{h.Name, h.Mode, h.Uid, h.ModTime, data})
	}
	return out
}

// assertStatic fails unless the ELF file at path is statically linked: no program
// interpreter and no shared library needed.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: it is dynamically linked", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v (%v)", path, libs, err)
	}
}

// TestDistReproducible: a second build of the same tree, into another directory and after the
// first, gives byte-identical binaries and archives. (CI also builds linux/amd64 in a fresh
// clone elsewhere with an empty GOCACHE and compares SHA256SUMS: .ci/run.)
func TestDistReproducible(t *testing.T) {
	dir, _ := dist(t)
	again := scratch(t)
	buildDist(t, again, hostLinux)
	version := repoVersion(t)
	for _, name := range []string{archive(version, hostLinux), filepath.Join("bin", strings.ReplaceAll(hostLinux, "/", "_"), "crmauth")} {
		a, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(again, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of the same tree", name)
		}
	}
	if t.Failed() {
		// A $CRMAUTH_DIST from another commit differs too: say which commits were built.
		for _, d := range []string{dir, again} {
			out, _ := exec.Command(binary(d, hostLinux), "version").Output()
			t.Logf("%s: %s", d, out)
		}
	}
}

var versionLine = regexp.MustCompile(`^crmauth (\S+) `)

// TestDistBinaryServes: the linux binary of this machine's architecture prints the version make
// dist stamped, serves the stub (a login through it answers OK, `crmauth health` exits 0), and
// ends with exit status 0 on SIGTERM.
func TestDistBinaryServes(t *testing.T) {
	dir, _ := dist(t)
	bin := binary(dir, hostLinux)
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if m := versionLine.FindStringSubmatch(string(out)); m == nil || m[1] != repoVersion(t) {
		t.Fatalf("crmauth version printed %q, want the version %s", out, repoVersion(t))
	}

	port := freePort(t)
	url := "http://127.0.0.1:" + itoa(port)
	var logs bytes.Buffer
	serve := exec.Command(bin, "serve")
	serve.Env = append(os.Environ(), "CRMAUTH_LISTEN=127.0.0.1:"+itoa(port))
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	t.Cleanup(func() { serve.Process.Kill() })
	waitHealthy(t, url, func() error {
		select {
		case err := <-done:
			return err
		default:
			return nil
		}
	})
	status, body := call(t, "POST", url+"/crmapi/rest/v2/authentication/token",
		`{"username": "jdoe", "password": "s3cret-Passw0rd", "organisation": "ps_dev"}`)
	if status != 200 || !strings.Contains(body, `"code":"OK"`) {
		t.Fatalf("login through the binary: %d %s", status, body)
	}
	health := exec.Command(bin, "health")
	health.Env = serve.Env
	if out, err := health.CombinedOutput(); err != nil {
		t.Errorf("crmauth health: %v %s", err, out)
	}
	serve.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
	}
}
