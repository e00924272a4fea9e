package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// startTokenStub runs the real stub in-process for the token and release commands.
func startTokenStub(t *testing.T) *serverimpl.Server {
	t.Helper()
	srv, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// crmauth runs the binary's run function as the shell would call it.
func crmauth(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// clearCRMAuthEnv makes the test independent of the caller's CRMAUTH_* variables.
func clearCRMAuthEnv(t *testing.T) {
	for _, name := range []string{"SERVER", "TIMEOUT", "ATTEMPTS", "METHOD", "USERNAME", "PASSWORD", "ORGANISATION",
		"KEY", "AUTHENTICATION_CODE", "IDENTIFIER", "PASS_CODE", "UNIT", "TOKEN"} {
		t.Setenv("CRMAUTH_"+name, "")
	}
}

func TestTokenCommandPrintsOnlyTheToken(t *testing.T) {
	clearCRMAuthEnv(t)
	srv := startTokenStub(t)
	t.Setenv("CRMAUTH_PASSWORD", "s3cret-Passw0rd")
	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		user, unit string
	}{
		{"login, password from the environment", []string{"-username", "jdoe", "-organisation", "ps_dev"}, nil, "jdoe", "1"},
		{"login, unit 2, -method", []string{"-method", "login", "-username", "jdoe", "-organisation", "ps_dev", "-unit", "2"}, nil, "jdoe", "2"},
		{"web API key from the environment", nil, map[string]string{"CRMAUTH_KEY": "EE73C0AE64524371B5DDEFF5F7BB2192", "CRMAUTH_USERNAME": ""}, "", "1"},
		{"consumer, authentication code", []string{"-key", "EE73C0AE64524371B5DDEFF5F7BB2192", "-authentication-code", "p_kestora1!", "-unit", "1"}, nil, "maytemplate", "1"},
		{"consumer, identifier and pass code", []string{"-method", "consumer", "-key", "EE73C0AE64524371B5DDEFF5F7BB2192", "-identifier", "maytemplate-card-0001", "-pass-code", "4321"}, nil, "maytemplate", "1"},
		{"server from the environment, base URL form", []string{"-username", "jdoe", "-organisation", "ps_dev"}, map[string]string{"CRMAUTH_SERVER": srv.BaseURL}, "jdoe", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"token"}
			if _, ok := tc.env["CRMAUTH_SERVER"]; !ok {
				args = append(args, "-server", srv.URL)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := crmauth(append(args, tc.args...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.HasSuffix(stdout, "\n") || strings.Count(stdout, "\n") != 1 {
				t.Fatalf("stdout %q: want the token and one newline", stdout)
			}
			tok, err := clientimpl.ParseToken(strings.TrimSuffix(stdout, "\n"))
			if err != nil {
				t.Fatalf("stdout is not a token: %v", err)
			}
			if (tc.user != "" && tok.Username != tc.user) || tok.Unit != tc.unit {
				t.Errorf("token for %q unit %q, want %q unit %q", tok.Username, tok.Unit, tc.user, tc.unit)
			}
			if _, err := srv.CheckToken(tok.Value); err != nil {
				t.Errorf("the stub refuses the printed token: %v", err)
			}
		})
	}
}

// A flag on the command line beats its environment variable.
func TestTokenCommandFlagBeatsEnvironment(t *testing.T) {
	clearCRMAuthEnv(t)
	srv := startTokenStub(t)
	t.Setenv("CRMAUTH_SERVER", "http://127.0.0.1:1") // nothing listens there
	t.Setenv("CRMAUTH_UNIT", "9")                    // not allowed
	t.Setenv("CRMAUTH_PASSWORD", "wrong")
	code, stdout, stderr := crmauth("token", "-server", srv.URL, "-username", "jdoe", "-password", "s3cret-Passw0rd",
		"-organisation", "ps_dev", "-unit", "2")
	if code != 0 || stdout == "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestTokenCommandFailures(t *testing.T) {
	clearCRMAuthEnv(t)
	srv := startTokenStub(t)
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		want    string   // in the one-line error
		secrets []string // never in it
	}{
		{"wrong password", []string{"-username", "jdoe", "-password", "Wr0ng-Secret", "-organisation", "ps_dev"}, 1,
			"INVALID_CREDENTIALS", []string{"Wr0ng-Secret"}},
		{"unknown key", []string{"-key", "0123456789ABCDEF0123456789ABCDEF"}, 1, "INVALID_KEY", []string{"0123456789ABCDEF0123456789ABCDEF"}},
		{"wrong authentication code", []string{"-key", "EE73C0AE64524371B5DDEFF5F7BB2192", "-authentication-code", "not-the-code"}, 1,
			"INVALID_ACCESS_TOKEN_IDENTIFIER", []string{"EE73C0AE64524371B5DDEFF5F7BB2192", "not-the-code"}},
		{"unit not allowed", []string{"-username", "jdoe", "-password", "s3cret-Passw0rd", "-organisation", "ps_dev", "-unit", "9"}, 1,
			"UNIT_NOT_ALLOWED", []string{"s3cret-Passw0rd"}},
		{"no server", []string{"-server", "http://127.0.0.1:1", "-attempts", "1", "-key", "EE73C0AE64524371B5DDEFF5F7BB2192"}, 1,
			"no answer", []string{"EE73C0AE64524371B5DDEFF5F7BB2192"}},
		{"no credentials", nil, 2, "no credentials", nil},
		{"login without password", []string{"-username", "jdoe", "-organisation", "ps_dev"}, 2, "-password", nil},
		{"identifier without pass code", []string{"-key", "K", "-identifier", "card"}, 2, "-pass-code", []string{"K"}},
		{"unknown method", []string{"-method", "oauth", "-key", "K"}, 2, "-method", nil},
		{"unknown flag", []string{"-colour"}, 2, "-colour", nil},
		{"stray argument", []string{"-key", "K", "extra"}, 2, "extra", nil},
		{"bad server URL", []string{"-server", "ftp://x", "-key", "K"}, 2, "http", nil},
		{"bad timeout", []string{"-timeout", "soon", "-key", "K"}, 2, "-timeout", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"token"}
			if !strings.Contains(strings.Join(tc.args, " "), "-server") {
				args = append(args, "-server", srv.URL)
			}
			code, stdout, stderr := crmauth(append(args, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing on failure", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "crmauth token: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q: want one line starting 'crmauth token: ' naming %q", stderr, tc.want)
			}
			for _, secret := range tc.secrets {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr shows a secret: %q", stderr)
				}
			}
		})
	}
}

func TestTokenCommandHelp(t *testing.T) {
	clearCRMAuthEnv(t)
	t.Setenv("CRMAUTH_PASSWORD", "env-secret-value")
	code, stdout, stderr := crmauth("token", "-h")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "CRMAUTH_PASSWORD") || !strings.Contains(stderr, "-organisation") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if strings.Contains(stderr, "env-secret-value") {
		t.Error("-h shows a value from the environment")
	}
	if code, stdout, _ := crmauth("help"); code != 0 || !strings.Contains(stdout, "token") || !strings.Contains(stdout, "release") {
		t.Errorf("crmauth help lists: %q", stdout)
	}
}

func TestReleaseCommand(t *testing.T) {
	clearCRMAuthEnv(t)
	srv := startTokenStub(t)
	newToken := func() string {
		t.Helper()
		code, stdout, stderr := crmauth("token", "-server", srv.URL, "-key", "EE73C0AE64524371B5DDEFF5F7BB2192")
		if code != 0 {
			t.Fatalf("token: %s", stderr)
		}
		return strings.TrimSpace(stdout)
	}
	released := func(token string) bool {
		_, err := srv.CheckToken(token)
		return err != nil
	}

	tok := newToken()
	if code, stdout, stderr := crmauth("release", "-server", srv.URL, tok); code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("release: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !released(tok) {
		t.Fatal("the stub still accepts the released token")
	}
	code, _, stderr := crmauth("release", "-server", srv.URL, tok)
	if code != 1 || !strings.Contains(stderr, "INVALID_TOKEN") || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, tok) {
		t.Errorf("second release: exit %d, stderr %q; want 1, one line naming INVALID_TOKEN, no token", code, stderr)
	}

	tok = newToken()
	t.Setenv("CRMAUTH_TOKEN", tok)
	t.Setenv("CRMAUTH_SERVER", srv.URL)
	if code, _, stderr := crmauth("release"); code != 0 || !released(tok) {
		t.Fatalf("release from CRMAUTH_TOKEN: exit %d, %s", code, stderr)
	}
	t.Setenv("CRMAUTH_TOKEN", "")

	tok = newToken()
	releaseStdin = strings.NewReader(tok + "\n")
	t.Cleanup(func() { releaseStdin = os.Stdin })
	if code, _, stderr := crmauth("release", "-"); code != 0 || !released(tok) {
		t.Fatalf("release from stdin: exit %d, %s", code, stderr)
	}

	if code, _, stderr := crmauth("release"); code != 2 || !strings.Contains(stderr, "no token") {
		t.Errorf("no token: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := crmauth("release", "a", "b"); code != 2 {
		t.Errorf("two tokens: exit %d, want 2", code)
	}
}

// The shell use the README shows: token=$(crmauth token …), then crmauth release "$token".
// It runs the real binary through sh.
func TestTokenAndReleaseFromTheShell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	clearCRMAuthEnv(t)
	srv := startTokenStub(t)
	bin := filepath.Join(t.TempDir(), "crmauth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := `set -e
token=$("$CRMAUTH" token -username jdoe -organisation ps_dev)
test -n "$token"
printf '%s\n' "$token"
"$CRMAUTH" release "$token"
if "$CRMAUTH" release "$token" 2>/dev/null; then echo "released twice"; exit 1; fi`
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = append(cmd.Environ(), "CRMAUTH="+bin, "CRMAUTH_SERVER="+srv.URL, "CRMAUTH_PASSWORD=s3cret-Passw0rd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	tok := strings.TrimSpace(string(out))
	if _, err := srv.CheckToken(tok); err == nil {
		t.Errorf("the token the shell released still works")
	}
}
