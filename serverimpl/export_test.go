package serverimpl

// The pure parts that the fuzz targets of package serverimpl_test drive (they are seeded from
// the bad-input catalogue there).

// ParseToken is the stub's token parser for secret; it returns the token's jti.
func ParseToken(secret []byte) func(token string) (jti string, err error) {
	s := newTokenSigner(secret, false)
	return func(token string) (string, error) {
		c, _, err := s.parse(token)
		if err != nil {
			return "", err
		}
		return c.ID, nil
	}
}

var (
	CanonicalToken    = canonicalToken
	ParseBasicKey     = parseBasicKey
	StrictJSONProblem = strictJSONProblem
	PlainJSON         = plainJSON
	StrictJSONWalk    = strictJSONWalk
	Nesting           = nesting
	ParseFixtures     = parseFixtures
)

const MaxNesting = maxNesting

// CompileFixtures is the check New makes of its fixtures.
func CompileFixtures(f *Fixtures) error {
	_, err := compileDirectory(f)
	return err
}
