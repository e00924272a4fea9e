// Package textlog is a slog handler that writes exactly what slog.NewTextHandler writes, with
// a direct path for a line built field by field: a Line appends its keys and values straight
// into a pooled buffer, without a slog.Record, slog's per-record state and its generic value
// dispatch. `crmauth serve` logs through it, and the stub's request log, a line per request,
// takes the direct path when it finds a *Handler behind its logger.
//
// Every other record (and every handler derived with WithAttrs or WithGroup) goes through the
// slog.TextHandler inside, so a line reads the same whichever way it came; TestLineMatchesSlog
// holds the direct path to slog's own output over many lines. Both paths write through one
// lock, so lines never interleave.
package textlog

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Handler is slog's text handler with a direct path for lines built with NewLine.
type Handler struct {
	*slog.TextHandler
	level slog.Leveler
	out   *lockedWriter
	// second is the text of the last second a line was stamped in: a line's time costs the
	// milliseconds and a copy, not a date formatting.
	second atomic.Pointer[secondText]
}

// New returns a text handler writing to w with opts. Options that change how a line is
// written (AddSource, ReplaceAttr) have no direct path: New then returns slog's own handler.
func New(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	if opts.AddSource || opts.ReplaceAttr != nil {
		return slog.NewTextHandler(w, opts)
	}
	out := &lockedWriter{w: w}
	level := opts.Level
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{TextHandler: slog.NewTextHandler(out, opts), level: level, out: out}
}

// lockedWriter serialises the writes of both paths.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Line is a log line being built: NewLine wrote its time, level and message; each method
// appends one attribute as slog's text handler would; Write sends it and gives it back.
type Line struct {
	buf []byte
	h   *Handler
}

var lines = sync.Pool{New: func() any { return &Line{buf: make([]byte, 0, 256)} }}

// NewLine starts a line as slog's text handler starts a record's (time, level, message). The
// caller checks Enabled first, as slog.Logger does.
func (h *Handler) NewLine(t time.Time, level slog.Level, msg string) *Line {
	l := lines.Get().(*Line)
	l.h = h
	b := l.buf[:0]
	if !t.IsZero() {
		b = append(b, "time="...)
		b = h.appendTime(b, t.Round(0))
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = appendString(b, level.String())
	b = append(b, " msg="...)
	l.buf = appendString(b, msg)
	return l
}

// String appends key=value, the value quoted when slog would quote it.
func (l *Line) String(key, value string) {
	l.buf = appendString(appendKey(l.buf, key), value)
}

// Bytes appends key=value for a value held as bytes, written as String would write it.
func (l *Line) Bytes(key string, value []byte) {
	l.buf = appendBytes(appendKey(l.buf, key), value)
}

// Int appends key=value in decimal.
func (l *Line) Int(key string, value int) {
	l.buf = strconv.AppendInt(appendKey(l.buf, key), int64(value), 10)
}

// Duration appends key=value as time.Duration's String.
func (l *Line) Duration(key string, value time.Duration) {
	l.buf = append(appendKey(l.buf, key), value.String()...)
}

// Write ends the line and writes it; the line must not be used after.
func (l *Line) Write() error {
	l.buf = append(l.buf, '\n')
	_, err := l.h.out.Write(l.buf)
	l.h = nil
	if cap(l.buf) <= 4<<10 { // a rare long line's buffer is not kept
		lines.Put(l)
	}
	return err
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ' ')
	return append(appendString(b, key), '=')
}

// appendString is slog's text handler's: the string as is, or quoted by strconv when it is
// empty or holds a space, '=', a quote, a control or non-printing character.
func appendString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func appendBytes(b, s []byte) []byte {
	for _, c := range s {
		if c >= utf8.RuneSelf || c == ' ' || c == '=' || !safeSet[c] {
			return appendString(b, string(s)) // the rare value to look at closely
		}
	}
	if len(s) == 0 {
		return append(b, `""`...)
	}
	return append(b, s...)
}

// needsQuoting is slog's rule (log/slog's text handler).
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			// Anything but a backslash that JSON would escape, and a space and '='.
			if b != '\\' && (b == ' ' || b == '=' || !safeSet[b]) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// safeSet is true for the ASCII characters a JSON string holds unescaped: from the space on,
// DEL included, other than '"' and '\\' (log/slog's, from encoding/json).
var safeSet = func() (s [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		s[c] = c != '"' && c != '\\'
	}
	return s
}()

// secondText is one second's time as slog writes it, split around the milliseconds.
type secondText struct {
	unix int64
	loc  *time.Location
	head []byte // up to the seconds: 2006-01-02T15:04:05
	zone []byte // after the milliseconds: Z or ±hh:mm
}

// appendTime writes t as slog's text handler does (RFC 3339 with milliseconds), reusing the
// text of t's second when the last line was stamped in the same one.
func (h *Handler) appendTime(b []byte, t time.Time) []byte {
	sec := h.second.Load()
	if sec == nil || sec.unix != t.Unix() || sec.loc != t.Location() {
		if y := t.Year(); y < 0 || y > 9999 {
			return appendRFC3339Millis(b, t) // not the fixed width the split below relies on
		}
		full := appendRFC3339Millis(nil, t)
		dot := len(full) - 1
		for full[dot] != '.' {
			dot--
		}
		sec = &secondText{unix: t.Unix(), loc: t.Location(), head: full[:dot], zone: full[dot+4:]}
		h.second.Store(sec)
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	b = append(b, sec.head...)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, sec.zone...)
}

// appendRFC3339Millis is log/slog's: RFC 3339 truncated to milliseconds, always three digits.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the fourth digit
}

// Enabled reports whether a line at level would be written (as the slog handler's Enabled).
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}
