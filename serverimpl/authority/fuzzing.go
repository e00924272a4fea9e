package authority

// The pure parts the fuzz targets of package serverimpl drive (they are seeded from the
// bad-input catalogue there), exported for them: no HTTP, thousands of runs per second.

// TokenParser is the stub's token parser for secret; it returns the token's jti.
func TokenParser(secret []byte) func(token string) (jti string, err error) {
	s := newTokenSigner(secret, false)
	return func(token string) (string, error) {
		c, _, err := s.parse(token)
		if err != nil {
			return "", err
		}
		return c.ID, nil
	}
}

// CanonicalToken reports whether every part of token re-encodes to exactly itself.
func CanonicalToken(token string) bool { return canonicalToken(token) }

// ParseFixtures reads fixtures from YAML data; name is the file it came from, for errors.
func ParseFixtures(name string, data []byte) (*Fixtures, error) { return parseFixtures(name, data) }

// CheckFixtures is the check New makes of its fixtures.
func CheckFixtures(f *Fixtures) error {
	_, err := compileDirectory(f)
	return err
}
