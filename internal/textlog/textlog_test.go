package textlog_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/textlog"
)

// attr is one attribute of a generated line, as both paths are given it.
type attr struct {
	kind  int // 0 string, 1 bytes, 2 int, 3 duration
	key   string
	str   string
	num   int
	dur   time.Duration
	asAny slog.Attr
}

// TestLineMatchesSlog writes 50,000 generated lines through the direct path and the same
// records through slog.NewTextHandler, and requires the same bytes: times in several zones
// and across seconds, levels, and strings slog writes as they are and ones it quotes (empty,
// spaces, '=', quotes, backslashes, control characters, invalid UTF-8, non-ASCII letters and
// spaces), integers and durations of every size.
func TestLineMatchesSlog(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("plus", 5*3600+30*60), time.FixedZone("minus", -7*3600), time.FixedZone("zero", 0)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	pieces := []string{"", "a", "POST", "/crmapi/rest/v2/authentication/token", "127.0.0.1", "::1", "GetWebApiKeyToken",
		" ", "=", `"`, `\`, "\t", "\n", "\x00", "\x7f", "\xff", "é", "日本", "\u00a0", "\u2028", "\u200b", "a b", "k=v",
		"%2F", "~user", "{}", "[::1]:80", "ZZ", "0123456789ABCDEF0123456789ABCDEF", "\U0001F600", "\xe2\x82"}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2}
	keys := []string{"method", "path", "status", "duration", "remote", "operation", "code", "jti", "a b", "", "k=v"}
	rng := rand.New(rand.NewPCG(22, 2))
	randString := func() string {
		var b strings.Builder
		for n := rng.IntN(4); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	base := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)

	var fast, slow bytes.Buffer
	h := textlog.New(&fast, &slog.HandlerOptions{Level: slog.LevelDebug}).(*textlog.Handler)
	ref := slog.NewTextHandler(&slow, &slog.HandlerOptions{Level: slog.LevelDebug})
	const n = 50_000
	for i := range n {
		var when time.Time
		switch rng.IntN(20) {
		case 0: // no time: slog leaves the key out
		case 1:
			when = time.Date(rng.IntN(12000)-1000, time.Month(rng.IntN(12)+1), rng.IntN(28)+1, 0, 0, 0, rng.IntN(1e9), zones[rng.IntN(len(zones))])
		default: // lines close together, as a server writes them: many in one second
			when = base.Add(time.Duration(i)*time.Duration(rng.IntN(3e6)) + time.Duration(rng.IntN(1e6))).In(zones[rng.IntN(len(zones))])
		}
		if rng.IntN(4) == 0 {
			when = time.Now() // with a monotonic reading, which slog strips
		}
		level, msg := levels[rng.IntN(len(levels))], randString()
		var attrs []attr
		for range rng.IntN(9) {
			a := attr{kind: rng.IntN(4), key: keys[rng.IntN(len(keys))]}
			switch a.kind {
			case 0, 1:
				a.str = randString()
				a.asAny = slog.String(a.key, a.str)
			case 2:
				a.num = rng.IntN(1000) - 10
				if rng.IntN(10) == 0 {
					x, y := rng.Int64(), rng.Int64() // two draws: a number of any sign and size
					a.num = int(x) - int(y)
				}
				a.asAny = slog.Int(a.key, a.num)
			case 3:
				a.dur = time.Duration(rng.Int64N(int64(1) << uint(rng.IntN(62))))
				if rng.IntN(10) == 0 {
					a.dur = -a.dur
				}
				a.asAny = slog.Duration(a.key, a.dur)
			}
			attrs = append(attrs, a)
		}

		l := h.NewLine(when, level, msg)
		rec := slog.NewRecord(when, level, msg, 0)
		for _, a := range attrs {
			switch a.kind {
			case 0:
				l.String(a.key, a.str)
			case 1:
				l.Bytes(a.key, []byte(a.str))
			case 2:
				l.Int(a.key, a.num)
			case 3:
				l.Duration(a.key, a.dur)
			}
			rec.AddAttrs(a.asAny)
		}
		if err := l.Write(); err != nil {
			t.Fatal(err)
		}
		if err := ref.Handle(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Fatalf("line %d differs:\n direct: %q\n   slog: %q", i, fast.String(), slow.String())
		}
		fast.Reset()
		slow.Reset()
	}
}

// TestOtherRecordsGoThroughSlog: records logged the usual way, and through derived
// handlers, are slog's own lines, and both paths share one writer.
func TestOtherRecordsGoThroughSlog(t *testing.T) {
	var fast, slow bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	h := textlog.New(&fast, opts)
	ref := slog.NewTextHandler(&slow, opts)
	when := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	for _, hs := range [][2]slog.Handler{{h, ref}, {h.WithAttrs([]slog.Attr{slog.Int("n", 1)}), ref.WithAttrs([]slog.Attr{slog.Int("n", 1)})}, {h.WithGroup("g"), ref.WithGroup("g")}} {
		for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
			if hs[0].Enabled(context.Background(), level) != hs[1].Enabled(context.Background(), level) {
				t.Fatalf("Enabled(%v) differs", level)
			}
		}
		rec := slog.NewRecord(when, slog.LevelWarn, "store failed", 0)
		rec.AddAttrs(slog.String("error", "boom"), slog.Any("list", []string{"a b"}))
		_ = hs[0].Handle(context.Background(), rec)
		_ = hs[1].Handle(context.Background(), rec)
	}
	if fast.String() != slow.String() || fast.Len() == 0 {
		t.Fatalf("records through the handler:\n%s\nslog:\n%s", fast.String(), slow.String())
	}
	if _, ok := textlog.New(io.Discard, &slog.HandlerOptions{AddSource: true}).(*textlog.Handler); ok {
		t.Fatal("AddSource changes a line: New must return slog's handler, with no direct path")
	}
}

// TestLineAllocatesNothing: a request line through the direct path costs no allocation.
func TestLineAllocatesNothing(t *testing.T) {
	h := textlog.New(io.Discard, nil).(*textlog.Handler)
	jti := []byte("0123456789ABCDEF0123456789ABCDEF")
	got := testing.AllocsPerRun(1000, func() {
		l := h.NewLine(time.Now(), slog.LevelInfo, "request")
		l.String("method", "POST")
		l.String("path", "/crmapi/rest/v2/authentication/web_api_key/token")
		l.Int("status", 200)
		l.Duration("duration", 123456*time.Nanosecond)
		l.String("remote", "127.0.0.1")
		l.Bytes("jti", jti)
		_ = l.Write()
	})
	if got != 0 {
		t.Fatalf("%v allocations per line, want 0", got)
	}
}
