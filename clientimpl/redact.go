package clientimpl

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/crmcom-community/crmauth/internal/redact"
)

// String describes the source by its credentials and current token, without their secrets.
func (s *TokenSource) String() string {
	return fmt.Sprintf("TokenSource{Credentials: %v, Token: %v}", s.creds, s.currentToken())
}

// Format keeps every fmt verb from printing the source's credentials and token. Without it,
// fmt prints a *TokenSource's fields, unexported ones included, as they are.
func (s *TokenSource) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String()) }

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
