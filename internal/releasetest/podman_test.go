//go:build !race

package releasetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crmcom-community/crmauth/internal/redistest"
)

// podmanGlobal are the flags every podman call gets on these machines: runc (crun fails on a
// kernel whose cgroups are in hybrid mode).
var podmanGlobal = []string{"--runtime", "runc"}

// limits are the ulimits a container gets: it cannot raise them here.
var limits = []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}

var (
	imageOnce sync.Once
	imageName string // built once, removed by TestMain
	imageErr  error
)

// requirePodman skips the test without podman and runc, or fails it when CI=true.
func requirePodman(t *testing.T, more ...string) {
	t.Helper()
	redistest.Require(t, append([]string{"podman", "runc"}, more...)...)
}

// podman runs podman with args and returns its standard output; on failure, the error holds
// its standard error.
func podman(args ...string) (string, error) {
	cmd := exec.Command("podman", append(append([]string{}, podmanGlobal...), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// image builds the image once, as make image does (scripts/image.sh), from the linux binary
// under test, and returns its name.
func image(t *testing.T) string {
	t.Helper()
	requirePodman(t)
	dir, _ := dist(t)
	imageOnce.Do(func() {
		ctx := scratch(t)
		bin := filepath.Join(ctx, "dist", "image", "bin", filepath.Base(filepath.Dir(binary(dir, hostLinux))), "crmauth")
		if imageErr = os.MkdirAll(filepath.Dir(bin), 0o755); imageErr != nil {
			return
		}
		data, err := os.ReadFile(binary(dir, hostLinux))
		if err != nil {
			imageErr = err
			return
		}
		if imageErr = os.WriteFile(bin, data, 0o755); imageErr != nil {
			return
		}
		name := fmt.Sprintf("localhost/crmauth-releasetest:%d", os.Getpid())
		cmd := exec.Command("scripts/image.sh", "--no-build")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "IMAGE="+name, "IMAGE_CONTEXT="+ctx, "CONTAINER_CLI=podman")
		if out, err := cmd.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("make image: %v\n%s", err, out)
			return
		}
		imageName = name
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return imageName
}

// logs is what the container wrote to its stdout and stderr (the stub logs to stderr).
func (c *container) logs() string {
	out, _ := exec.Command("podman", append(append([]string{}, podmanGlobal...), "logs", c.id)...).CombinedOutput()
	return string(out)
}

// removeImage removes the image the tests built, if any.
func removeImage() {
	if imageName != "" {
		podman("rmi", "-f", imageName)
	}
}

// container is a running container of the image with a published port.
type container struct {
	id  string
	url string // the published port, on loopback
}

// run starts `podman run -d` with the runtime flags, limits and args (which name the image
// and publish the port), and removes the container at the test's end.
func run(t *testing.T, args ...string) *container {
	t.Helper()
	out, err := podman(append(append([]string{"run", "-d"}, limits...), args...)...)
	if err != nil {
		t.Fatal(err)
	}
	c := &container{id: strings.TrimSpace(out)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("container logs:\n%s", c.logs())
		}
		podman("rm", "-f", c.id)
	})
	return c
}

// published runs the image with the port published on a free loopback port and waits for it
// to answer; args come before the image's name.
func published(t *testing.T, args ...string) *container {
	t.Helper()
	port := freePort(t)
	c := run(t, append(append([]string{"-p", fmt.Sprintf("127.0.0.1:%d:8080", port)}, args...), image(t))...)
	c.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	c.waitHealthy(t)
	return c
}

func (c *container) waitHealthy(t *testing.T) {
	t.Helper()
	waitHealthy(t, c.url, func() error {
		state, err := podman("inspect", "-f", "{{.State.Status}}", c.id)
		if err != nil {
			return err
		}
		if s := strings.TrimSpace(state); s != "running" {
			return fmt.Errorf("the container is %s", s)
		}
		return nil
	})
}

// inspect decodes `podman inspect` of a container or image.
func inspect(t *testing.T, what string, args ...string) map[string]any {
	t.Helper()
	out, err := podman(append([]string{what, "inspect"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 {
		t.Fatalf("podman %s inspect: %v\n%s", what, err, out)
	}
	return v[0]
}
