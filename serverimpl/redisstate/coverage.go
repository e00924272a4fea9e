package redisstate

import (
	"context"
	"strconv"
	"strings"

	"github.com/crmcom-community/crmauth/serverimpl/coverage"
)

// Coverage is the answer counters in Redis (a coverage.Store): one hash, a field
// "operation status code" per kind of answer, counted with HINCRBY, so every replica's
// answers add up in it.
type Coverage struct{ st *State }

var _ coverage.Store = (*Coverage)(nil)

// Coverage is the answer counters in this Redis.
func (s *State) Coverage() *Coverage { return &Coverage{st: s} }

func (c *Coverage) key() string { return coverageKey(c.st) }

// coverageKey is the counts' hash, on the journal's Cluster slot (viewsTag).
func coverageKey(s *State) string { return s.prefix + viewsTag + "coverage" }

// coverageField is the hash field of an answer. Operation names and codes have no spaces
// (operationIds and catalogue codes).
func coverageField(operation string, status int, code string) string {
	return operation + " " + strconv.Itoa(status) + " " + code
}

// Add implements coverage.Store. Like Journal.Append it does not try while Redis does not
// answer.
func (c *Coverage) Add(ctx context.Context, operation string, status int, code string) error {
	if !c.st.recording() {
		return nil
	}
	ctx, cancel := c.st.bound(ctx)
	defer cancel()
	return c.st.observe(c.st.b.hincrBy(ctx, c.key(), coverageField(operation, status, code), 1))
}

// Snapshot implements coverage.Store.
func (c *Coverage) Snapshot(ctx context.Context) (map[coverage.Key]int64, error) {
	ctx, cancel := c.st.bound(ctx)
	defer cancel()
	all, err := c.st.b.hgetAll(ctx, c.key())
	if err := c.st.observe(err); err != nil {
		return nil, err
	}
	out := make(map[coverage.Key]int64, len(all))
	for field, v := range all {
		op, rest, _ := strings.Cut(field, " ")
		st, code, _ := strings.Cut(rest, " ")
		status, err1 := strconv.Atoi(st)
		n, err2 := strconv.ParseInt(v, 10, 64)
		if err1 != nil || err2 != nil || n == 0 {
			continue
		}
		out[coverage.Key{Operation: op, Status: status, Code: code}] = n
	}
	return out, nil
}

// Clear implements coverage.Store.
func (c *Coverage) Clear(ctx context.Context) error {
	ctx, cancel := c.st.bound(ctx)
	defer cancel()
	return c.st.observe(c.st.b.del(ctx, c.key()))
}
