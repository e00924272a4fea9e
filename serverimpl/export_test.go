package serverimpl

import (
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
)

// The pure parts that the fuzz targets of package serverimpl_test drive (they are seeded from
// the bad-input catalogue there).

// ParseToken is the stub's token parser for secret; it returns the token's jti.
var ParseToken = authority.TokenParser

var (
	CanonicalToken    = authority.CanonicalToken
	ParseBasicKey     = httpstub.ParseBasicKey
	StrictJSONProblem = httpstub.StrictJSONProblem
	PlainJSON         = httpstub.PlainJSON
	StrictJSONWalk    = httpstub.StrictJSONWalk
	Nesting           = httpstub.Nesting
	ParseFixtures     = authority.ParseFixtures
	CompileFixtures   = authority.CheckFixtures
)

const MaxNesting = httpstub.MaxNesting
