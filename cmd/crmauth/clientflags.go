package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/clientimpl"
)

// clientFlags are the flags `crmauth token` and `crmauth release` share: where the server is
// and how long to wait for it.
type clientFlags struct {
	server   string
	timeout  time.Duration
	attempts int
}

// envFlag is a flag with an environment variable behind it.
type envFlag struct {
	name, env string
	secret    bool
}

// bindClientFlags adds -server and -timeout to fs.
func bindClientFlags(fs *flag.FlagSet, c *clientFlags) []envFlag {
	fs.StringVar(&c.server, "server", "http://localhost:8080",
		"CRM.COM server: its root URL, or the Web API base URL ending in "+clientimpl.BasePath+" [$CRMAUTH_SERVER]")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up after this long, retries included [$CRMAUTH_TIMEOUT]")
	fs.IntVar(&c.attempts, "attempts", clientimpl.DefaultRetryPolicy.MaxAttempts,
		"most attempts when the server cannot be reached or answers 429 or 5xx; 1: no retries [$CRMAUTH_ATTEMPTS]")
	return []envFlag{{name: "server", env: "CRMAUTH_SERVER"}, {name: "timeout", env: "CRMAUTH_TIMEOUT"},
		{name: "attempts", env: "CRMAUTH_ATTEMPTS"}}
}

// client returns the clientimpl.Client the flags describe.
func (c clientFlags) client() (*clientimpl.Client, error) {
	if c.attempts < 1 {
		return nil, fmt.Errorf("-attempts %d: want 1 or more", c.attempts)
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("-timeout %s: want a positive duration", c.timeout)
	}
	policy := clientimpl.DefaultRetryPolicy
	policy.MaxAttempts = c.attempts
	return clientimpl.New(c.server, clientimpl.WithRetryPolicy(policy))
}

// parseWithEnv parses args, then fills every flag not given on the command line from its
// environment variable. Environment values are never flag defaults: -h would print them, and
// some are secrets.
func parseWithEnv(fs *flag.FlagSet, args []string, envs []envFlag) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, e := range envs {
		v, ok := os.LookupEnv(e.env)
		if given[e.name] || !ok || v == "" {
			continue
		}
		if err := fs.Set(e.name, v); err != nil {
			if e.secret {
				return fmt.Errorf("environment variable %s is not valid", e.env)
			}
			return fmt.Errorf("environment variable %s=%q: %v", e.env, v, err)
		}
	}
	return nil
}

// newFlagSet returns a flag set for a subcommand; parseCommandLine does its talking.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the flag package's own messages span lines; ours is one
	fs.Usage = func() {}
	return fs
}

// parseCommandLine parses args and the environment behind them. done is true when the command
// must stop there, with exit status code: 0 after -h (usage printed to stderr), 2 after a
// one-line error.
func parseCommandLine(fs *flag.FlagSet, args []string, envs []envFlag, usage string, stderr io.Writer) (code int, done bool) {
	err := parseWithEnv(fs, args, envs)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "usage: %s\n\nflags:\n", usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return 0, true
	case err != nil:
		return usageFailure(stderr, fs.Name(), fmt.Errorf("%v (see crmauth %s -h)", err, fs.Name())), true
	}
	return 0, false
}

// failure writes err to stderr as one line and returns the exit status for it.
func failure(stderr io.Writer, cmd string, err error) int {
	msg := strings.TrimPrefix(err.Error(), "crmauth: ")
	msg = strings.Join(strings.Fields(msg), " ")
	fmt.Fprintf(stderr, "crmauth %s: %s\n", cmd, msg)
	return 1
}

// usageFailure is failure for a command line that cannot work; it exits 2.
func usageFailure(stderr io.Writer, cmd string, err error) int {
	failure(stderr, cmd, err)
	return 2
}
