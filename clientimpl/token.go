package clientimpl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/internal/redact"
)

// Token is an authentication token as CRM.COM issued it, with the claims this package reads
// from it. The claims are read, not verified: only the server holds the signing secret.
//
// Printing a Token (any fmt verb, slog, encoding/json) never shows Value: whole tokens do not
// belong in logs. Use Value where the token is sent.
type Token struct {
	// Value is the token itself, the JWT to send to CRM.COM.
	Value string
	// Expiry is the JWT's exp claim, on the server's clock. For tokens from a Web API key or a
	// consumer application key it is the end of the token. For login tokens it is not: those
	// die after an hour of idle time, which TokenSource tracks itself.
	Expiry time.Time
	// IssuedAt is the JWT's iat claim, on the server's clock; zero when the token has none.
	IssuedAt time.Time
	// SessionID (jti), Username (usr), Organisation (org) and Unit (oun) are the CRM.COM claims
	// of the same names; empty when the token does not carry them.
	SessionID, Username, Organisation, Unit string
}

// Lifetime is how long the token lives from issue (exp − iat), or zero when it has no iat.
func (t Token) Lifetime() time.Duration {
	if t.IssuedAt.IsZero() || !t.Expiry.After(t.IssuedAt) {
		return 0
	}
	return t.Expiry.Sub(t.IssuedAt)
}

// String describes the token without its value.
func (t Token) String() string {
	if t.Value == "" {
		return "Token{}"
	}
	return fmt.Sprintf("Token{session %s, user %q, organisation %q, unit %q, expiry %s}",
		t.SessionID, t.Username, t.Organisation, t.Unit, t.Expiry.UTC().Format(time.RFC3339))
}

// GoString keeps %#v from printing Value.
func (t Token) GoString() string { return t.String() }

// Format keeps every fmt verb from printing Value.
func (t Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String()) }

// MarshalJSON writes the token with Value as [REDACTED]: encoding/json output (and slog's
// JSONHandler, for a Token nested in another value) is for logs, not for sending.
func (t Token) MarshalJSON() ([]byte, error) {
	type plain Token // the fields, without these methods
	p := plain(t)
	p.Value = redact.Mask(p.Value)
	return json.Marshal(p)
}

// LogValue keeps slog from printing Value.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("session", t.SessionID),
		slog.String("user", t.Username),
		slog.String("organisation", t.Organisation),
		slog.String("unit", t.Unit),
		slog.Time("expiry", t.Expiry),
	)
}

// errNotJWT and friends explain why a token was refused; they never quote the token.
var (
	errNotJWT    = errors.New("token is not a JWT (three base64url parts separated by dots)")
	errShortJWT  = errors.New("token is not longer than 32 characters")
	errNoExpiry  = errors.New("token has no exp claim")
	errBadClaims = errors.New("token payload is not a JSON object")
)

// ParseToken reads a token's claims. It accepts exp and iat as RFC 7519 numbers and as the
// strings of Unix seconds CRM.COM's documented tokens carry ("exp":"1518104864"). It fails on
// anything that is not a JWT with an exp claim, and never quotes the token in its error.
func ParseToken(value string) (Token, error) {
	if len(value) <= 32 {
		return Token{}, errShortJWT
	}
	header, rest, ok := strings.Cut(value, ".")
	if !ok {
		return Token{}, errNotJWT
	}
	payload, signature, ok := strings.Cut(rest, ".")
	if !ok || header == "" || payload == "" || signature == "" || strings.Contains(signature, ".") {
		return Token{}, errNotJWT
	}
	for _, part := range []string{header, signature} {
		if !isBase64URL(part) {
			return Token{}, errNotJWT
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Token{}, errNotJWT
	}
	var claims struct {
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
		Jti json.RawMessage `json:"jti"`
		Usr json.RawMessage `json:"usr"`
		Org json.RawMessage `json:"org"`
		Oun json.RawMessage `json:"oun"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &claims) != nil {
		return Token{}, errBadClaims
	}
	exp, ok, err := numericDate(claims.Exp)
	if err != nil {
		return Token{}, fmt.Errorf("token exp claim: %w", err)
	}
	if !ok {
		return Token{}, errNoExpiry
	}
	iat, _, err := numericDate(claims.Iat)
	if err != nil {
		return Token{}, fmt.Errorf("token iat claim: %w", err)
	}
	return Token{
		Value:        value,
		Expiry:       exp,
		IssuedAt:     iat,
		SessionID:    textClaim(claims.Jti),
		Username:     textClaim(claims.Usr),
		Organisation: textClaim(claims.Org),
		Unit:         textClaim(claims.Oun),
	}, nil
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// numericDate reads a JWT date claim: a JSON number (RFC 7519) or a JSON string holding a
// decimal number of seconds (CRM.COM). ok is false when the claim is absent or null.
func numericDate(raw json.RawMessage) (t time.Time, ok bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, false, nil
	}
	var text string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return time.Time{}, false, errors.New("not a string")
		}
		if !isDecimal(text) {
			return time.Time{}, false, errors.New("string is not a decimal number of seconds")
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return time.Time{}, false, errors.New("neither a number nor a string of one")
		}
		text = n.String()
	}
	secs, err := strconv.ParseFloat(text, 64)
	// 1<<40 seconds is some 35,000 years: anything beyond is not a date but garbage.
	if err != nil || math.IsNaN(secs) || secs < 0 || secs > 1<<40 {
		return time.Time{}, false, errors.New("not a date in seconds since 1970")
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC(), true, nil
}

// isDecimal accepts "1518104864" and "1518104864.25", nothing else ("NaN", "1e9", "-1", " 1").
func isDecimal(s string) bool {
	intPart, fracPart, hasFrac := strings.Cut(s, ".")
	digits := func(p string) bool {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
		return p != ""
	}
	return digits(intPart) && (!hasFrac || digits(fracPart))
}

// textClaim reads a claim that should be a string; a number (some servers write "oun": 1) is
// kept as its text, anything else is dropped.
func textClaim(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
