package httpstub

import (
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/authority"
)

// TestDomainCodesAreTheSpecs: the domain writes its codes without package gen (which would
// bring HTTP below it); each must be one of the spec's ErrorCode values, with its status and
// description, or its answer would go out as status 0 with an empty description.
func TestDomainCodesAreTheSpecs(t *testing.T) {
	for _, c := range authority.Codes {
		f := authority.Fail(c, "")
		if statusOf(f) == 0 || descriptions[codeOf(f)] == "" {
			t.Errorf("authority code %q is not in the spec's ErrorCode table", c)
		}
	}
}
