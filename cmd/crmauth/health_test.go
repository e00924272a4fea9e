package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// TestHealthCommand: `crmauth health` exits 0 against a healthy stub, found through
// CRMAUTH_LISTEN as the image sets it (every interface, asked on loopback), 1 when the stub
// answers 503 or nothing listens, 2 for a command line that cannot work.
func TestHealthCommand(t *testing.T) {
	srv, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	down := errors.New("the session store does not answer")
	sick, err := serverimpl.Start(serverimpl.Options{Health: func(context.Context) error { return down }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sick.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	health := func(env string, args ...string) (int, string, string) {
		t.Setenv("CRMAUTH_LISTEN", env)
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"health"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	for _, c := range []struct {
		name, env string
		args      []string
		code      int
		out       string
	}{
		{"CRMAUTH_LISTEN on every interface", ":" + port, nil, 0, "200 OK"},
		{"CRMAUTH_LISTEN 0.0.0.0", "0.0.0.0:" + port, nil, 0, "200 OK"},
		{"-listen wins over CRMAUTH_LISTEN", ":1", []string{"-listen", "127.0.0.1:" + port}, 0, "200 OK"},
		{"-url", "", []string{"-url", srv.URL}, 0, "200 OK"},
		{"unhealthy", "", []string{"-url", sick.URL}, 1, "503"},
		{"nothing listening", closed, nil, 1, "connection refused"},
		{"no port", "localhost", nil, 2, "missing port"},
		{"port 0", ":0", nil, 2, "names no port"},
		{"not a URL", "", []string{"-url", "localhost:8080"}, 2, "want http://host:port"},
		{"an argument", "", []string{"extra"}, 2, "unexpected argument"},
	} {
		code, stdout, stderr := health(c.env, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.out) {
			t.Errorf("%s: exit %d (want %d), stdout %q, stderr %q (want %q)", c.name, code, c.code, stdout, stderr, c.out)
		}
	}
}
