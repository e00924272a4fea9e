package clientimpl_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// externalProgram is a service outside this module: it obtains, reuses, refreshes and
// releases tokens from the stub with a handful of lines, as the README shows.
const externalProgram = `package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

func main() {
	ctx := context.Background()
	clock := serverimpl.NewSettableClock(time.Now())
	srv, err := serverimpl.Start(serverimpl.Options{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	source, err := clientimpl.NewTokenSource(client,
		clientimpl.WebAPIKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192"}, clientimpl.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}

	first, err := source.Token(ctx) // obtain
	if err != nil {
		log.Fatal(err)
	}
	again, _ := source.Token(ctx) // reuse
	fmt.Println("reused:", again.Value == first.Value)

	clock.Advance(2 * time.Hour) // the first token has ended: the source gets another
	next, err := source.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("refreshed:", next.Value != first.Value)

	if err := source.Close(ctx); err != nil { // release
		log.Fatal(err)
	}
	_, err = srv.CheckToken(next.Value)
	fmt.Println("released:", err != nil)
}
`

// TestUsableFromAnotherModule builds and runs a program in a module of its own that requires
// this one (through a replace directive pointing at this checkout), the way another team's
// service would after go get.
func TestUsableFromAnotherModule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot build a program outside this module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goMod := "module example.com/crmuser\n\ngo 1.26\n\nrequire github.com/crmcom-community/crmauth v0.0.0\n\n" +
		"replace github.com/crmcom-community/crmauth => " + root + "\n"
	sums, err := os.ReadFile(filepath.Join(root, "go.sum")) // every dependency's checksum: no network needed
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"go.mod": goMod, "go.sum": string(sums), "main.go": externalProgram} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "run", ".")
	cmd.Dir = dir
	// -mod=mod lets go fill in the indirect requirements from the module cache; the parent's
	// -mod=readonly (CI) would refuse to.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if want := "reused: true\nrefreshed: true\nreleased: true\n"; !strings.HasSuffix(string(out), want) {
		t.Fatalf("output:\n%s\nwant it to end with:\n%s", out, want)
	}
}
