package serverimpl_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/logbatch"
	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// BenchmarkRequestLog is web_api_key/token through the whole stub with the request log as
// crmauth serve writes it (textlog's direct path to a file, through logbatch), as it wrote it
// before (slog's TextHandler through logbatch, and straight to the file: a write system call
// per line), and without a log: the differences are what the log costs a request in-process.
func BenchmarkRequestLog(b *testing.B) {
	file := func(b *testing.B) *os.File {
		f, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return f
	}
	run := func(b *testing.B, w io.Writer, direct bool) {
		opts := serverimpl.Options{Secret: []byte("benchmark secret")}
		switch {
		case w != nil && direct:
			opts.Logger = slog.New(textlog.New(w, nil))
		case w != nil:
			opts.Logger = slog.New(slog.NewTextHandler(w, nil))
		}
		s, err := serverimpl.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		req := newReplayRequest(http.MethodPost, serverimpl.BasePath+"/authentication/web_api_key/token", `{}`, budgetKeyAuth)
		rw := &discardWriter{header: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			s.ServeHTTP(rw.reset(), req.next())
			if rw.status != http.StatusOK {
				b.Fatalf("status %d", rw.status)
			}
		}
	}
	b.Run("none", func(b *testing.B) { run(b, nil, false) })
	b.Run("text_file", func(b *testing.B) { run(b, file(b), false) })
	b.Run("text_batched_file", func(b *testing.B) {
		w := logbatch.New(file(b), 10*time.Millisecond)
		defer w.Close()
		run(b, w, false)
	})
	b.Run("textlog_batched_file", func(b *testing.B) { // as crmauth serve writes it
		w := logbatch.New(file(b), 10*time.Millisecond)
		defer w.Close()
		run(b, w, true)
	})
}
