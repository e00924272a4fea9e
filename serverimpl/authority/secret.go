package authority

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// secret is a password, pass code or authentication code from the fixtures, kept in a form
// that is compared in constant time: a bcrypt hash, or the SHA-256 of a plain-text value (so
// the comparison does not leak the length either).
type secret struct {
	bcryptHash []byte
	sum        [sha256.Size]byte
}

func isBcrypt(value string) bool {
	return strings.HasPrefix(value, "$2a$") || strings.HasPrefix(value, "$2b$") || strings.HasPrefix(value, "$2y$")
}

// checkSecret reports why a fixture value that looks like a bcrypt hash is not one.
func checkSecret(value string) error {
	if !isBcrypt(value) {
		return nil
	}
	if _, err := bcrypt.Cost([]byte(value)); err != nil {
		return errors.New("looks like a bcrypt hash but is not a valid one: " + err.Error())
	}
	return nil
}

func newSecret(value string) secret {
	if isBcrypt(value) {
		return secret{bcryptHash: []byte(value)}
	}
	return secret{sum: sha256.Sum256([]byte(value))}
}

// matches reports whether given is the secret, in time that does not depend on where the two
// differ.
func (s secret) matches(given string) bool {
	if s.bcryptHash != nil {
		return bcrypt.CompareHashAndPassword(s.bcryptHash, []byte(given)) == nil
	}
	sum := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(sum[:], s.sum[:]) == 1
}

// keyDigest indexes keys: looking a key up by its SHA-256 reveals nothing about stored keys
// through timing, unlike a map keyed by the key itself.
func keyDigest(key string) [sha256.Size]byte { return sha256.Sum256([]byte(key)) }
