package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

const releaseUsage = `crmauth release [flags] [TOKEN]

Releases a token at a CRM.COM server (or the stub): it stops working at once. The token is
the argument, else the environment variable CRMAUTH_TOKEN; "-" reads it from stdin:

  crmauth release "$token"
  crmauth token ... | crmauth release -

Prints nothing on success. Exit status: 0 released, 1 when the server refused (the token was
unknown, expired or already released) or could not be reached, 2 for a command line that
cannot work.`

// releaseStdin is where "crmauth release -" reads the token; tests replace it.
var releaseStdin io.Reader = os.Stdin

// runRelease is `crmauth release`.
func runRelease(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs := newFlagSet("release")
	var c clientFlags
	envs := bindClientFlags(fs, &c)
	if code, done := parseCommandLine(fs, args, envs, releaseUsage, stderr); done {
		return code
	}
	if fs.NArg() > 1 {
		return usageFailure(stderr, "release", errors.New("more than one token given (see crmauth release -h)"))
	}
	token := fs.Arg(0)
	if token == "" {
		token = os.Getenv("CRMAUTH_TOKEN")
	}
	if token == "-" {
		line, err := bufio.NewReader(io.LimitReader(releaseStdin, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return failure(stderr, "release", fmt.Errorf("reading the token from stdin: %w", err))
		}
		token = strings.TrimSpace(line)
	}
	if token == "" {
		return usageFailure(stderr, "release", errors.New("no token: give it as the argument, in CRMAUTH_TOKEN, or as - to read stdin"))
	}
	client, err := c.client()
	if err != nil {
		return usageFailure(stderr, "release", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := client.ReleaseToken(ctx, token); err != nil {
		return failure(stderr, "release", err)
	}
	return 0
}
