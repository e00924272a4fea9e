// Package redact is how crmauth's types print a secret (a password, key, pass code,
// authentication code, signing secret or whole token): as [REDACTED] when it is set, so that a
// missing one still shows, and never as itself. The types that hold one use it in their
// String, Format, LogValue and MarshalJSON methods; internal/redacttest proves them.
package redact

import (
	"fmt"
	"io"
	"strconv"
)

// Text stands for a secret in everything printed.
const Text = "[REDACTED]"

// Mask is a secret as printed: Text when set, empty when not.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return Text
}

// Quoted is Mask as it reads inside a String: Text, or "" (two quotes) when not set.
func Quoted(secret string) string {
	if secret == "" {
		return `""`
	}
	return Text
}

// Format is the Format method of a type that holds a secret: every verb prints the type's
// redacted String s (%q quoted). Without it, verbs that skip String and GoString (%d, %x on a
// struct, ...) print the fields as they are.
func Format(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}
