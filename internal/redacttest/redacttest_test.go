package redacttest

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that counts failures instead of failing.
type recorder struct {
	testing.TB
	failures int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failures++ }

type plain struct{ User, Password string }

type stringer struct{ User, Password string }

func (s stringer) String() string { return "stringer{" + s.User + "}" }

// TestCheckFindsLeaks: a struct without redaction leaks under every printer, and one with only
// a String method (what clientimpl had) still leaks under %d, %#v and encoding/json.
func TestCheckFindsLeaks(t *testing.T) {
	for _, c := range []struct {
		v        any
		atLeast  int
		printers string
	}{
		{plain{"jdoe", "hunter2"}, len(Printers), "all"},
		{stringer{"jdoe", "hunter2"}, 4, "%d, %#v, JSON"},
	} {
		r := &recorder{TB: t}
		Check(r, fmt.Sprintf("%T", c.v), c.v, []string{"hunter2"}, "jdoe")
		if r.failures < c.atLeast {
			t.Errorf("%T: %d printers found the password, want at least %d (%s)", c.v, r.failures, c.atLeast, c.printers)
		}
	}
}
