package serverimpl

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// claims are a token's payload, named as CRM.COM names them. Field order follows the vendor's
// documented example token.
type claims struct {
	Contact            string    `json:"cii,omitempty"` // consumer tokens only
	Username           string    `json:"usr"`
	Organisation       string    `json:"org"`
	AccountsReceivable string    `json:"ari,omitempty"` // consumer tokens only; the vendor's token says ari, its prose acr
	Unit               string    `json:"oun"`
	ExpiresAt          claimTime `json:"exp"`
	IssuedAt           claimTime `json:"iat"`
	ID                 string    `json:"jti"`
}

// claimTime is a Unix time in seconds. CRM.COM writes exp and iat as JSON strings
// ("1518104864"); RFC 7519 wants numbers. It writes the form it was told to and reads both.
type claimTime struct {
	unix    int64
	numeric bool
}

func (t claimTime) MarshalJSON() ([]byte, error) {
	s := strconv.FormatInt(t.unix, 10)
	if t.numeric {
		return []byte(s), nil
	}
	return []byte(`"` + s + `"`), nil
}

func (t *claimTime) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	t.numeric = len(b) > 0 && b[0] != '"'
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		t.unix = n
		return nil
	}
	f, err := strconv.ParseFloat(s, 64) // RFC 7519 allows fractional seconds
	if err != nil {
		return errors.New("not a Unix time: " + s)
	}
	t.unix = int64(f)
	return nil
}

func (t claimTime) time() time.Time { return time.Unix(t.unix, 0) }

// The jwt.Claims methods. The stub's sessions, not these claims, decide whether a token is
// still alive (a login token's idle time moves past its exp claim), so the parser is told not
// to validate them.
func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(c.ExpiresAt.time()), nil
}
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(c.IssuedAt.time()), nil
}
func (c *claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c *claims) GetIssuer() (string, error)              { return "", nil }
func (c *claims) GetSubject() (string, error)             { return c.Username, nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// tokenSigner signs and parses HS256 tokens with one secret.
type tokenSigner struct {
	secret  []byte
	numeric bool
	parser  *jwt.Parser
}

func newTokenSigner(secret []byte, numeric bool) *tokenSigner {
	return &tokenSigner{
		secret:  secret,
		numeric: numeric,
		parser:  jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation()),
	}
}

// newSessionID returns 16 random bytes; crypto/rand never fails on supported platforms.
func newSessionID() SessionID {
	var id SessionID
	_, _ = rand.Read(id[:])
	return id
}

func (id SessionID) String() string { return strings.ToUpper(hex.EncodeToString(id[:])) }

func parseSessionID(jti string) (SessionID, bool) {
	var id SessionID
	if len(jti) != 2*len(id) || strings.ToUpper(jti) != jti {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(jti)); err != nil {
		return id, false
	}
	return id, true
}

// sign returns the token for c, with iat, exp and jti filled in.
func (s *tokenSigner) sign(c claims, id SessionID, issued time.Time, lifetime time.Duration) (string, error) {
	c.ID = id.String()
	c.IssuedAt = claimTime{unix: issued.Unix(), numeric: s.numeric}
	c.ExpiresAt = claimTime{unix: issued.Add(lifetime).Unix(), numeric: s.numeric}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(s.secret)
}

// errBadToken is why a token is refused before its session is even looked up.
type errBadToken string

func (e errBadToken) Error() string { return string(e) }

// parse checks the token's algorithm and signature and returns its claims and session.
func (s *tokenSigner) parse(token string) (*claims, SessionID, error) {
	var c claims
	tok, err := s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	switch {
	case err == nil:
	case tok != nil && tok.Header["alg"] != jwt.SigningMethodHS256.Alg() && !errors.Is(err, jwt.ErrTokenMalformed):
		return nil, SessionID{}, errBadToken("token is not signed with HS256")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, SessionID{}, errBadToken("token signature is invalid")
	default:
		return nil, SessionID{}, errBadToken("token is malformed")
	}
	id, ok := parseSessionID(c.ID)
	if !ok {
		return nil, SessionID{}, errBadToken("token has no valid jti claim")
	}
	return &c, id, nil
}
