package authority

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
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

func (t claimTime) appendJSON(b []byte) []byte {
	if t.numeric {
		return strconv.AppendInt(b, t.unix, 10)
	}
	b = append(b, '"')
	b = strconv.AppendInt(b, t.unix, 10)
	return append(b, '"')
}

// appendJSON appends the claims as encoding/json marshals them (same members, order and
// escaping), without reflection: signing is on every issuing method's path.
func (c *claims) appendJSON(b []byte) ([]byte, error) {
	var err error
	member := func(name, value string, omitEmpty bool) {
		if err != nil || (omitEmpty && value == "") {
			return
		}
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b, err = appendJSONString(b, value)
	}
	b = append(b, '{')
	member("cii", c.Contact, true)
	member("usr", c.Username, false)
	member("org", c.Organisation, false)
	member("ari", c.AccountsReceivable, true)
	member("oun", c.Unit, false)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"exp":`...)
	b = c.ExpiresAt.appendJSON(b)
	b = append(b, `,"iat":`...)
	b = c.IssuedAt.appendJSON(b)
	member("jti", c.ID, false)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string the way encoding/json writes it. Fixture
// values are nearly always plain printable ASCII, appended as they are; anything that
// encoding/json would escape goes through encoding/json.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			// A copy goes to encoding/json, so that s does not escape: sign's jti string then
			// stays on its stack instead of costing every token an allocation.
			q, err := json.Marshal(strings.Clone(s))
			return append(b, q...), err
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

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
//
// Signing and parsing the stub's own tokens take a direct path that makes exactly the bytes
// (and accepts exactly the tokens) golang-jwt does, without its per-token set-up: the header
// is encoded once, and keyed HMACs are reused. Any token the direct path does not accept goes
// through golang-jwt's parser, which gives the refusal its reason.
type tokenSigner struct {
	secret  []byte
	numeric bool
	parser  *jwt.Parser
	// header is the base64url header segment of every token signed here, as golang-jwt
	// encodes {"typ":"JWT","alg":"HS256"}.
	header string
	macs   sync.Pool // of hash.Hash: HMAC-SHA256 keyed with secret
}

func newTokenSigner(secret []byte, numeric bool) *tokenSigner {
	s := &tokenSigner{
		secret:  secret,
		numeric: numeric,
		parser:  jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation()),
	}
	h, err := json.Marshal(jwt.NewWithClaims(jwt.SigningMethodHS256, nil).Header)
	if err != nil {
		panic(err) // a constant map of two strings always marshals
	}
	s.header = base64.RawURLEncoding.EncodeToString(h)
	s.macs.New = func() any { return hmac.New(sha256.New, s.secret) }
	return s
}

// mac computes HMAC-SHA256 of the signing input (header.claims) into dst.
func (s *tokenSigner) mac(dst, signingInput []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Write(signingInput)
	dst = m.Sum(dst)
	m.Reset()
	s.macs.Put(m)
	return dst
}

// sign returns the token for c, with iat, exp and jti filled in: the bytes golang-jwt's
// SignedString makes for the same claims.
func (s *tokenSigner) sign(c claims, id sessions.ID, issued time.Time, lifetime time.Duration) (string, error) {
	c.ID = id.String()
	c.IssuedAt = claimTime{unix: issued.Unix(), numeric: s.numeric}
	c.ExpiresAt = claimTime{unix: issued.Add(lifetime).Unix(), numeric: s.numeric}
	scratch := signScratches.Get().(*signScratch)
	defer signScratches.Put(scratch)
	payload, err := c.appendJSON(scratch.payload[:0])
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	token := append(scratch.token[:0], s.header...)
	token = append(token, '.')
	token = enc.AppendEncode(token, payload)
	token = append(token, '.')
	token = enc.AppendEncode(token, s.mac(scratch.sum[:0], token[:len(token)-1]))
	scratch.payload, scratch.token = payload[:0], token[:0]
	return string(token), nil
}

// signScratch is the working memory of one signing, reused so that a token costs one
// allocation: the string returned.
type signScratch struct {
	payload, token []byte
	sum            [sha256.Size]byte
}

var signScratches = sync.Pool{New: func() any {
	return &signScratch{payload: make([]byte, 0, 256), token: make([]byte, 0, 512)}
}}

// errBadToken is why a token is refused before its session is even looked up.
type errBadToken string

func (e errBadToken) Error() string { return string(e) }

// parse checks the token's encoding, algorithm and signature and returns its claims and
// session. It is the one place a token is read (release, CheckToken, RequireToken).
func (s *tokenSigner) parse(token string) (*claims, sessions.ID, error) {
	if !canonicalToken(token) {
		return nil, sessions.ID{}, errBadToken("token is malformed: each of its three parts must be unpadded base64url in canonical form")
	}
	if c, ok := s.parseOwn(token); ok {
		id, ok := sessions.ParseID(c.ID)
		if !ok {
			return nil, sessions.ID{}, errBadToken("token has no valid jti claim")
		}
		return c, id, nil
	}
	return s.parseAny(token)
}

// canonicalToken reports whether token is three parts, each strict base64url (RFC 4648 §5)
// in its one canonical form: only the URL alphabet, no padding, no line breaks, and zero bits
// past the end of the data in the last digit. Go's decoders accept more (they skip '\r' and
// '\n' and, unless Strict, ignore those trailing bits), so without this check several strings
// decode to one token's bytes: changing a signature's last digit from 'A' to 'D' made a
// different string that released the same session. With it, a token that parses is exactly
// the base64url encoding of what it decodes to (FuzzTokenParse).
func canonicalToken(token string) bool {
	parts := 0
	start := 0
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			if base64URLDigit[token[i]] < 0 {
				return false
			}
			continue
		}
		parts++
		if parts > 3 || !canonicalLength(token[start:i]) {
			return false
		}
		start = i + 1
	}
	return parts == 3
}

// canonicalLength checks the end of one part already known to hold base64url digits only:
// a length that encodes whole bytes, and unused low bits of the last digit all zero.
func canonicalLength(part string) bool {
	switch len(part) % 4 {
	case 1:
		return false // six bits cannot end a byte
	case 2:
		return base64URLDigit[part[len(part)-1]]&0x0f == 0 // one byte: four bits unused
	case 3:
		return base64URLDigit[part[len(part)-1]]&0x03 == 0 // two bytes: two bits unused
	}
	return true
}

// base64URLDigit is each byte's value as a base64url digit, or -1.
var base64URLDigit = func() (t [256]int8) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// parseOwn accepts a token with this signer's header whose claims decode and whose signature
// is right — what golang-jwt's parser accepts for that header — and reports false for
// anything else, to be judged by parseAny.
func (s *tokenSigner) parseOwn(token string) (*claims, bool) {
	header, rest, ok := strings.Cut(token, ".")
	if !ok || header != s.header {
		return nil, false
	}
	payload, signature, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(signature, ".") {
		return nil, false
	}
	enc := base64.RawURLEncoding
	var sig [sha256.Size]byte
	if enc.DecodedLen(len(signature)) != len(sig) {
		return nil, false
	}
	// The token's bytes go through the reused scratch memory: the signature check and the
	// claims' decoding then allocate nothing but the claims.
	scratch := signScratches.Get().(*signScratch)
	defer signScratches.Put(scratch)
	raw := append(scratch.token[:0], token...)
	scratch.token = raw[:0]
	signingInput := raw[:len(header)+1+len(payload)]
	if n, err := enc.Decode(sig[:], raw[len(signingInput)+1:]); err != nil || n != len(sig) {
		return nil, false
	}
	if !hmac.Equal(sig[:], s.mac(scratch.sum[:0], signingInput)) {
		return nil, false
	}
	claimBytes, err := enc.AppendDecode(scratch.payload[:0], signingInput[len(header)+1:])
	if err != nil {
		return nil, false
	}
	scratch.payload = claimBytes[:0]
	if c, ok := decodePlainClaims(string(claimBytes)); ok {
		return c, true
	}
	c := new(claims)
	if err := json.Unmarshal(claimBytes, c); err != nil {
		return nil, false
	}
	return c, true
}

// decodePlainClaims reads claims written the way appendJSON writes plain values: one JSON
// object, no white space, each known member at most once, strings of printable ASCII without
// escapes, exp and iat as integers or strings of digits. For those, the result is the one
// encoding/json gives; for anything else it reports false and encoding/json decides. Its
// strings share one allocation, the payload's.
func decodePlainClaims(p string) (*claims, bool) {
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return nil, false
	}
	c := new(claims)
	var seen uint8
	for rest := p[1 : len(p)-1]; rest != ""; {
		name, ok := plainString(&rest)
		if !ok || rest == "" || rest[0] != ':' {
			return nil, false
		}
		rest = rest[1:]
		var field *string
		var when *claimTime
		bit := uint8(0)
		switch name {
		case "cii":
			field, bit = &c.Contact, 1
		case "usr":
			field, bit = &c.Username, 2
		case "org":
			field, bit = &c.Organisation, 4
		case "ari":
			field, bit = &c.AccountsReceivable, 8
		case "oun":
			field, bit = &c.Unit, 16
		case "jti":
			field, bit = &c.ID, 32
		case "exp":
			when, bit = &c.ExpiresAt, 64
		case "iat":
			when, bit = &c.IssuedAt, 128
		default:
			return nil, false
		}
		if seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if field != nil {
			if *field, ok = plainString(&rest); !ok {
				return nil, false
			}
		} else if !plainUnixTime(&rest, when) {
			return nil, false
		}
		if rest != "" {
			if rest[0] != ',' || len(rest) == 1 {
				return nil, false
			}
			rest = rest[1:]
		}
	}
	return c, true
}

// plainString takes a JSON string without escapes, of printable ASCII, off the front of *rest.
func plainString(rest *string) (string, bool) {
	r := *rest
	if r == "" || r[0] != '"' {
		return "", false
	}
	for i := 1; i < len(r); i++ {
		switch c := r[i]; {
		case c == '"':
			*rest = r[i+1:]
			return r[1:i], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
	}
	return "", false
}

// plainUnixTime takes an integer, or a string of one, off the front of *rest, as
// claimTime.UnmarshalJSON reads them.
func plainUnixTime(rest *string, t *claimTime) bool {
	r := *rest
	quoted := r != "" && r[0] == '"'
	start := 0
	if quoted {
		start = 1
	}
	end := start
	for end < len(r) && (r[end] >= '0' && r[end] <= '9' || end == start && r[end] == '-') {
		end++
	}
	digits := r[start:end]
	if quoted {
		if end >= len(r) || r[end] != '"' {
			return false
		}
		end++
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || (!quoted && digits[0] == '-' && len(digits) > 1 && digits[1] == '0') || (!quoted && digits[0] == '0' && len(digits) > 1) {
		return false // not what encoding/json would accept as a number, or out of range
	}
	*t = claimTime{unix: n, numeric: !quoted}
	*rest = r[end:]
	return true
}

// parseAny is golang-jwt's parser: any header, and the reason for a refusal.
func (s *tokenSigner) parseAny(token string) (*claims, sessions.ID, error) {
	var c claims
	tok, err := s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	switch {
	case err == nil:
	case tok != nil && tok.Header["alg"] != jwt.SigningMethodHS256.Alg() && !errors.Is(err, jwt.ErrTokenMalformed):
		return nil, sessions.ID{}, errBadToken("token is not signed with HS256")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, sessions.ID{}, errBadToken("token signature is invalid")
	default:
		return nil, sessions.ID{}, errBadToken("token is malformed")
	}
	id, ok := sessions.ParseID(c.ID)
	if !ok {
		return nil, sessions.ID{}, errBadToken("token has no valid jti claim")
	}
	return &c, id, nil
}
