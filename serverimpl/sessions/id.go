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
	var b [2 * len(ID{})]byte
	return string(id.AppendJTI(b[:0]))
}

// AppendJTI appends String's text to b, for a log line that need not allocate it.
func (id ID) AppendJTI(b []byte) []byte {
	const digits = "0123456789ABCDEF"
	for _, v := range id {
		b = append(b, digits[v>>4], digits[v&0x0f])
	}
	return b
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
