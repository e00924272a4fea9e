package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

const healthUsage = `crmauth health [flags]

Asks a running stub's /healthz: exit status 0 when it answers 200, 1 when it answers anything
else or cannot be reached, 2 for a command line that cannot work. It is the container image's
HEALTHCHECK, which has no shell nor curl to run.

The stub is asked at -url, else at the address crmauth serve listens on: -listen, else
CRMAUTH_LISTEN, else localhost:8080. An address on every interface (:8080, 0.0.0.0:8080,
[::]:8080) is asked on loopback.`

// runHealth is `crmauth health`.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("health")
	listen := fs.String("listen", "localhost:8080", "the address crmauth serve listens on [$CRMAUTH_LISTEN]")
	target := fs.String("url", "", "the stub's root URL, instead of one made from -listen")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if code, done := parseCommandLine(fs, args, []envFlag{{name: "listen", env: "CRMAUTH_LISTEN"}}, healthUsage, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageFailure(stderr, "health", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if *timeout <= 0 {
		return usageFailure(stderr, "health", fmt.Errorf("-timeout %s: want a positive duration", *timeout))
	}
	u, err := healthURL(*target, *listen)
	if err != nil {
		return usageFailure(stderr, "health", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return usageFailure(stderr, "health", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return failure(stderr, "health", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return failure(stderr, "health", fmt.Errorf("%s answered %s: %s", u, resp.Status, body))
	}
	fmt.Fprintf(stdout, "%s: %s\n", u, resp.Status)
	return 0
}

// healthURL is the /healthz URL of the stub at root (a URL), else at listen (serve's
// --listen): an unspecified host is asked on loopback, of the same family.
func healthURL(root, listen string) (string, error) {
	if root != "" {
		u, err := url.Parse(root)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("-url %q: want http://host:port", root)
		}
		return u.JoinPath("/healthz").String(), nil
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	if port == "" || port == "0" {
		return "", errors.New("listen address " + listen + " names no port to ask")
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
