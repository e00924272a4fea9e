package logbatch_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/logbatch"
)

// BenchmarkRequestLine logs a line like the stub's request log (slog's text format, the
// eight attributes of a token request) to a file, as `crmauth serve` with stderr redirected:
// written straight through (a write system call per line), through a Writer, and to
// io.Discard (the formatting alone).
func BenchmarkRequestLine(b *testing.B) {
	file := func(b *testing.B) *os.File {
		f, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return f
	}
	run := func(b *testing.B, w io.Writer) {
		logger := slog.New(slog.NewTextHandler(w, nil))
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			logger.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", "POST"), slog.String("path", "/crmapi/rest/v2/authentication/web_api_key/token"),
				slog.Int("status", 200), slog.Duration("duration", 41*time.Microsecond), slog.String("remote", "127.0.0.1"),
				slog.String("operation", "GetWebApiKeyToken"), slog.String("code", "OK"),
				slog.String("jti", "3f2c8a1e-55b7-4c1d-9a0e-2b7d1c3e4f50"))
		}
	}
	b.Run("file", func(b *testing.B) { run(b, file(b)) })
	b.Run("batched_file", func(b *testing.B) {
		w := logbatch.New(file(b), 10*time.Millisecond)
		defer w.Close()
		run(b, w)
	})
	b.Run("discard", func(b *testing.B) { run(b, io.Discard) })
}
