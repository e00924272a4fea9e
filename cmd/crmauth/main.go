// Command crmauth is the crmauth toolkit's binary: the stub server, and helpers for getting and
// releasing tokens from the command line.
//
//	crmauth serve     run the stub (see crmauth serve -h)
//	crmauth version   print the module version and VCS commit (also: crmauth --version)
//	crmauth health    exit 0 when a running stub's /healthz answers 200
//	crmauth help      list the commands
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: run gets the arguments after the command's name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is the dispatch table; each subcommand adds itself here with one line.
var commands = map[string]command{
	"serve":   {"run the stub server", runServe},
	"token":   {"get a token from a CRM.COM server (or the stub) and print it", runToken},
	"release": {"release a token at a CRM.COM server (or the stub)", runRelease},
	"version": {"print the module version and VCS commit this binary was built from", runVersion},
	"admin":   {"ask a running stub what happened, reset it, see its coverage", runAdmin},
	"health":  {"ask a running stub's /healthz: exit 0 when healthy (the image's health check)", runHealth},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "crmauth: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: crmauth <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "show this list")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'crmauth <command> -h' for a command's flags.")
}
