package coverage_test

import (
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/coverage/coveragetest"
)

func TestMemoryContract(t *testing.T) {
	coveragetest.Run(t, func(*testing.T) coverage.Store { return coverage.NewMemory() })
}
