// Package redacttest prints a value every way it can reach a log or a screen, for tests that
// check a secret never shows.
package redacttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Printers are every way a value reaches a log or a screen: fmt's verbs, slog's Text and JSON
// handlers (as an attribute, and nested in a struct, an any and a map), and encoding/json.
var Printers = func() map[string]func(v any) string {
	p := map[string]func(v any) string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%10.3v"} {
		p["fmt "+verb] = func(v any) string { return fmt.Sprintf(verb, v) }
	}
	p["fmt Sprint"] = func(v any) string { return fmt.Sprint(v) }
	p["fmt Sprintln of a slice"] = func(v any) string { return fmt.Sprintln([]any{v}) }
	p["fmt %+v nested in a struct"] = func(v any) string { return fmt.Sprintf("%+v", struct{ Creds any }{v}) }
	p["fmt %#v nested in a struct"] = func(v any) string { return fmt.Sprintf("%#v", struct{ Creds any }{v}) }
	for name, handler := range map[string]func(*bytes.Buffer) slog.Handler{
		"Text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		for shape, wrap := range map[string]func(v any) any{
			"an attribute":       func(v any) any { return v },
			"nested in a struct": func(v any) any { return struct{ Request struct{ Creds any } }{struct{ Creds any }{v}} },
			"nested in a map":    func(v any) any { return map[string]any{"creds": v} },
			"in a slice":         func(v any) any { return []any{v} },
		} {
			p["slog "+name+"Handler, "+shape] = func(v any) string {
				var b bytes.Buffer
				slog.New(handler(&b)).Info("got", slog.Any("value", wrap(v)))
				return b.String()
			}
		}
		p["slog "+name+"Handler, With"] = func(v any) string {
			var b bytes.Buffer
			slog.New(handler(&b)).With("value", v).Info("got")
			return b.String()
		}
	}
	p["encoding/json Marshal"] = func(v any) string { b, err := json.Marshal(v); return string(b) + errText(err) }
	p["encoding/json MarshalIndent nested"] = func(v any) string {
		b, err := json.MarshalIndent(struct{ Creds any }{v}, "", "  ")
		return string(b) + errText(err)
	}
	return p
}()

func errText(err error) string {
	if err != nil {
		return " error: " + err.Error()
	}
	return ""
}

// Check prints v with every printer and fails t where one of secrets shows, or where identity
// (what tells the value apart: a user name, the [REDACTED] mark) does not.
func Check(t testing.TB, name string, v any, secrets []string, identity string) {
	t.Helper()
	for printer, print := range Printers {
		out := print(v)
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Errorf("%s, %s: the secret %q is printed: %s", name, printer, secret, out)
			}
		}
		if !strings.Contains(out, identity) && !strings.Contains(out, strings.ReplaceAll(identity, `"`, `\"`)) {
			t.Errorf("%s, %s: %q does not show: %s", name, printer, identity, out)
		}
	}
}
