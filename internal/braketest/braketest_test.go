package braketest_test

import (
	"testing"

	"github.com/crmcom-community/crmauth/internal/braketest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// The in-memory stores: the brake asks the windows first, as it always has.
func TestBrakeContractInMemory(t *testing.T) {
	braketest.Run(t, func(*testing.T, *serverimpl.Options) {})
}
