package main

import (
	"fmt"
	"io"
)

// redacted is a secret as printed: [REDACTED] when set, empty when not.
func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return "[REDACTED]"
}

// Format keeps every fmt verb (and slog's TextHandler) from printing the credentials the flags
// hold: it prints a copy with the password, key and codes redacted.
func (f tokenFlags) Format(s fmt.State, verb rune) {
	type plain tokenFlags // the fields, without this method
	p := plain(f)
	p.password, p.key, p.authenticationCode, p.passCode = redacted(p.password), redacted(p.key), redacted(p.authenticationCode), redacted(p.passCode)
	_, _ = io.WriteString(s, fmt.Sprintf("%+v", p))
}

// Format keeps every fmt verb (and slog's TextHandler) from printing the signing secret.
func (c serveConfig) Format(s fmt.State, verb rune) {
	type plain serveConfig
	p := plain(c)
	p.secret = redacted(p.secret)
	_, _ = io.WriteString(s, fmt.Sprintf("%+v", p))
}
