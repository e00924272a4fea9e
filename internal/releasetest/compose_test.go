//go:build !race

package releasetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompose runs examples/compose/compose.yaml with podman-compose, as a frontend project
// would (the image under test in place of the published one, on a free port): the project's
// mounted fixtures replace the defaults, login tokens end two hours after issue as its
// environment says, and the admin token it sets opens the admin routes to the host.
func TestCompose(t *testing.T) {
	requirePodman(t, "podman-compose")
	img := image(t)
	port := freePort(t)
	const token = "compose-admin-7f3a"
	project := fmt.Sprintf("crmauthreleasetest%d", os.Getpid())
	compose := func(args ...string) (string, error) {
		cmd := exec.Command("podman-compose", append([]string{"-p", project,
			"--podman-args=" + strings.Join(podmanGlobal, " "),
			"--podman-run-args=" + strings.Join(limits, " ")}, args...)...)
		cmd.Dir = filepath.Join(root, "examples", "compose")
		cmd.Env = append(os.Environ(), "CRMAUTH_IMAGE="+img, fmt.Sprintf("CRMAUTH_PORT=%d", port), "CRMAUTH_ADMIN_TOKEN="+token)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("podman-compose %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	t.Cleanup(func() {
		compose("down")
		podman("network", "rm", "-f", project+"_default")
	})
	if _, err := compose("up", "-d"); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, url, nil)

	if status, body := call(t, "POST", url+login, `{"username": "jdoe", "password": "s3cret-Passw0rd", "organisation": "ps_dev"}`); status != 401 {
		t.Errorf("the default user logs in despite the project's fixtures: %d %s", status, body)
	}
	status, body := call(t, "POST", url+login, `{"username": "frontend-dev", "password": "dev-Passw0rd-1", "organisation": "acme_dev"}`)
	if status != 200 {
		t.Fatalf("the project's user: %d %s", status, body)
	}
	if life := tokenLifetime(t, body); life != 7200 {
		t.Errorf("a login token lives %d s, want 7200 (CRMAUTH_LOGIN_EXPIRY: fixed)", life)
	}
	if status, body := call(t, "POST", url+"/_crmauth/reset", ""); status != 401 {
		t.Errorf("admin reset without the token: %d %s, want 401", status, body)
	}
	if status, body := call(t, "POST", url+"/_crmauth/reset", "", "Authorization", "Bearer "+token); status != 200 {
		t.Errorf("admin reset with the compose file's token: %d %s", status, body)
	}
	if _, err := compose("down"); err != nil {
		t.Error(err)
	}
}
