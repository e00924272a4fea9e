package sessions

import (
	"crypto/rand"
	"encoding/hex"
)

// ID is a session's identity: the 16 random bytes behind a token's jti claim (the jti is their
// upper-case hex).
type ID [16]byte

// NewID returns 16 random bytes; crypto/rand never fails on supported platforms.
func NewID() ID {
	var id ID
	_, _ = rand.Read(id[:])
	return id
}

// String is the ID as a jti: 32 upper-case hex digits.
func (id ID) String() string {
	const digits = "0123456789ABCDEF"
	var b [2 * len(ID{})]byte
	for i, v := range id {
		b[2*i], b[2*i+1] = digits[v>>4], digits[v&0x0f]
	}
	return string(b[:])
}

// ParseID reads a jti: exactly 32 upper-case hex digits, the only form String writes (a token
// whose jti could be spelled two ways would name one session twice).
func ParseID(jti string) (ID, bool) {
	var id ID
	if len(jti) != 2*len(id) {
		return id, false
	}
	for i := 0; i < len(jti); i++ {
		if c := jti[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return id, false
		}
	}
	if _, err := hex.Decode(id[:], []byte(jti)); err != nil {
		return id, false
	}
	return id, true
}
