package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/crmcom-community/crmauth/internal/guidecurl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// listenAsServe is the stub as `crmauth serve` configures it with no flags and no environment,
// on a free port: what the guides' examples call at http://localhost:8080.
func listenAsServe(t *testing.T) *serverimpl.Server {
	t.Helper()
	c, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.options(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serverimpl.Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// answerCode finds the status.code of each envelope in an output.
var answerCode = guidecurl.AnswerCode

// TestReadmeCurlExamples runs the stub guides' curl examples verbatim (only the host is
// changed) against the stub as `crmauth serve` configures it by default (guidecurl says what
// is checked).
func TestReadmeCurlExamples(t *testing.T) {
	srv := listenAsServe(t)
	guidecurl.Run(t, guidecurl.StubBlocks(t, "../.."), srv.URL)
}
