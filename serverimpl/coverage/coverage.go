// Package coverage tells a test suite which of the answers the spec declares for CRM.COM's
// methods the stub actually gave: every (HTTP status, status.code) pair per operation, with how
// often, and which were never given. The counters are kept in a Store — Memory here, a shared
// one (Redis) in a package of its own — proven alike by the suite in coveragetest.
package coverage

import (
	"context"
)

// Key is one kind of answer: an operation (its operationId), an HTTP status and a status.code.
type Key struct {
	Operation string
	Status    int
	Code      string
}

// Store counts answers. It is safe for concurrent use, and when several stubs share one store
// it counts the answers of all of them.
//
// Every method takes a context and returns an error, because a store may be across a network:
// an error means the store could not be asked. Memory's methods never fail.
type Store interface {
	// Add counts one answer.
	Add(ctx context.Context, operation string, status int, code string) error
	// Snapshot returns every count that is not zero. The map is the caller's.
	Snapshot(ctx context.Context) (map[Key]int64, error)
	// Clear sets every count to zero.
	Clear(ctx context.Context) error
}
