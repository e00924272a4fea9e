package main

import (
	"fmt"
	"io"

	"github.com/crmcom-community/crmauth/internal/redact"
)

// Format keeps every fmt verb (and slog's TextHandler) from printing the credentials the flags
// hold: it prints a copy with the password, key and codes redacted.
func (f tokenFlags) Format(s fmt.State, verb rune) {
	type plain tokenFlags // the fields, without this method
	p := plain(f)
	p.password, p.key, p.authenticationCode, p.passCode = redact.Mask(p.password), redact.Mask(p.key), redact.Mask(p.authenticationCode), redact.Mask(p.passCode)
	_, _ = io.WriteString(s, fmt.Sprintf("%+v", p))
}

// Format keeps every fmt verb (and slog's TextHandler) from printing the signing secret, the
// admin token and the Redis URL (which may carry a password).
func (c serveConfig) Format(s fmt.State, verb rune) {
	type plain serveConfig
	p := plain(c)
	p.secret, p.opts.AdminToken, p.redisURL = redact.Mask(p.secret), redact.Mask(p.opts.AdminToken), redact.Mask(p.redisURL)
	_, _ = io.WriteString(s, fmt.Sprintf("%+v", p))
}
