package clientimpl

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redactedText stands for a secret in everything printed.
const redactedText = "[REDACTED]"

// mask is a secret as printed: [REDACTED] when set, empty when not (so a missing secret
// still shows).
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedText
}

// redacted is mask as it reads inside a String: [REDACTED] or "".
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return redactedText
}

// formatRedacted is the Format method of the types that hold a secret: every verb prints the
// type's redacted String (%q quoted). Without it, verbs that skip String and GoString (%d,
// %x on a struct, ...) print the fields as they are.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// String describes the source by its credentials and current token, without their secrets.
func (s *TokenSource) String() string {
	return fmt.Sprintf("TokenSource{Credentials: %v, Token: %v}", s.creds, s.currentToken())
}

// Format keeps every fmt verb from printing the source's credentials and token. Without it,
// fmt prints a *TokenSource's fields, unexported ones included, as they are.
func (s *TokenSource) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s.String()) }

// LogValue keeps slog from printing the source's credentials and token.
func (s *TokenSource) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("credentials", s.creds), slog.Any("token", s.currentToken()))
}

// MarshalJSON writes the source's credentials and current token, redacted as they are.
func (s *TokenSource) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Credentials Credentials
		Token       Token
	}{s.creds, s.currentToken()})
}

// currentToken is the cached token, or the zero Token.
func (s *TokenSource) currentToken() Token {
	if c := s.current.Load(); c != nil {
		return c.tok
	}
	return Token{}
}
