package main

import (
	"context"
	"io"
	"log/slog"
	"os"
)

// serveStdin is what `serve --exit-on-stdin-close` watches; tests replace it.
var serveStdin io.Reader = os.Stdin

// stdinWatchUsage describes --exit-on-stdin-close and $CRMAUTH_EXIT_ON_STDIN_CLOSE.
const stdinWatchUsage = "shut down when standard input reaches its end or fails (for a parent process that gives the stub a pipe: " +
	"when the parent dies, even by SIGKILL, the pipe closes and the stub stops instead of living on as an orphan; " +
	"esbuild's method, used by the npm package's launcher and startStub)"

// untilStdinCloses returns a context that ends with ctx or when serveStdin reaches its end,
// whichever comes first. What arrives on standard input is read and thrown away: the pipe
// carries nothing, its closing is the message.
func untilStdinCloses(ctx context.Context, logger *slog.Logger) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		_, err := io.Copy(io.Discard, serveStdin)
		if ctx.Err() == nil {
			if err != nil {
				logger.Info("standard input failed: shutting down", "error", err.Error())
			} else {
				logger.Info("standard input closed: shutting down")
			}
		}
	}()
	return ctx
}
