package throttle_test

import (
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/throttle"
	"github.com/crmcom-community/crmauth/serverimpl/throttle/countertest"
)

func TestLimiterContract(t *testing.T) {
	countertest.Run(t, func(*testing.T) countertest.Store {
		return func(cfg throttle.Config) throttle.Counter { return throttle.New(cfg) }
	})
}
