package redisstate_test

import (
	"testing"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/coverage/coveragetest"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/journal/journaltest"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

func TestJournalContract(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	journaltest.Run(t, func(t *testing.T, size int) journal.Store {
		return open(t, srv.URL(), redisstate.Config{}).Journal(size)
	})
}

func TestCoverageContract(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	coveragetest.Run(t, func(t *testing.T) coverage.Store {
		return open(t, srv.URL(), redisstate.Config{}).Coverage()
	})
}
