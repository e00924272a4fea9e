package redisstate

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// A session is one Redis string of fixed fields and then its holder, so that it costs well
// under 200 bytes in Redis (MEMORY USAGE, key included) and a script can read and rewrite
// the fields it needs by position:
//
//	[0]      method
//	[1]      ended (sessions.State; StateLive while live)
//	[2:10]   issued at   ┐
//	[10:18]  last use    │ microseconds since the Unix epoch, little-endian int64 (Lua's
//	[18:26]  deadline    │ numbers are doubles: exact to 2^53, which microseconds stay
//	[26:34]  idle        ┘ below until the year 2255; nanoseconds would not)
//	[34:]    holder: username, organisation, unit, contact, accounts receivable, each as
//	         uvarint(len<<1 | packed) and its bytes; packed means 32 upper-case hex digits
//	         (cii and ari are) written as their 16 bytes.
//
// The scripts in sessions.go know the offsets: 1-based in Lua, so deadline is at 19.
const headerSize = 34

func micros(unixNano int64) int64 { return unixNano / 1000 }

func encodeSession(s sessions.Session) []byte {
	b := make([]byte, headerSize, headerSize+64)
	b[0] = byte(s.Method)
	b[1] = byte(sessions.StateLive)
	lastUse := s.LastUse
	if lastUse == 0 {
		lastUse = s.IssuedAt
	}
	binary.LittleEndian.PutUint64(b[2:], uint64(micros(s.IssuedAt)))
	binary.LittleEndian.PutUint64(b[10:], uint64(micros(lastUse)))
	binary.LittleEndian.PutUint64(b[18:], uint64(micros(s.Deadline)))
	binary.LittleEndian.PutUint64(b[26:], uint64(s.Idle/time.Microsecond))
	var h sessions.Holder
	if s.Holder != nil {
		h = *s.Holder
	}
	for _, f := range [...]string{h.Username, h.Organisation, h.Unit, h.Contact, h.AccountsReceivable} {
		b = appendField(b, f)
	}
	return b
}

func appendField(b []byte, f string) []byte {
	if packable(f) {
		b = binary.AppendUvarint(b, 32<<1|1)
		var raw [16]byte
		_, _ = hex.Decode(raw[:], []byte(f))
		return append(b, raw[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(f))<<1)
	return append(b, f...)
}

// packable: 32 upper-case hex digits, which hex encoding gives back exactly.
func packable(f string) bool {
	if len(f) != 32 {
		return false
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

var errCorrupt = errors.New("redisstate: a session value in Redis is not one this stub wrote")

func decodeSession(b []byte) (sessions.Session, error) {
	if len(b) < headerSize {
		return sessions.Session{}, errCorrupt
	}
	s := sessions.Session{
		Method:   sessions.Method(b[0]),
		Ended:    sessions.State(b[1]),
		IssuedAt: int64(binary.LittleEndian.Uint64(b[2:])) * 1000,
		LastUse:  int64(binary.LittleEndian.Uint64(b[10:])) * 1000,
		Deadline: int64(binary.LittleEndian.Uint64(b[18:])) * 1000,
		Idle:     time.Duration(binary.LittleEndian.Uint64(b[26:])) * time.Microsecond,
	}
	var fields [5]string
	rest := b[headerSize:]
	for i := range fields {
		tag, n := binary.Uvarint(rest)
		if n <= 0 {
			return sessions.Session{}, errCorrupt
		}
		rest = rest[n:]
		size := int(tag >> 1)
		if tag&1 == 1 {
			size = 16
		}
		if size > len(rest) {
			return sessions.Session{}, errCorrupt
		}
		if tag&1 == 1 {
			fields[i] = hexUpper(rest[:size])
		} else {
			fields[i] = string(rest[:size])
		}
		rest = rest[size:]
	}
	s.Holder = &sessions.Holder{Username: fields[0], Organisation: fields[1], Unit: fields[2],
		Contact: fields[3], AccountsReceivable: fields[4]}
	return s, nil
}

func hexUpper(raw []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(raw))
	for i, v := range raw {
		out[2*i], out[2*i+1] = digits[v>>4], digits[v&0x0f]
	}
	return string(out)
}
