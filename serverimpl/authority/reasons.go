package authority

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A refusal's reason (Failure.Reason) tells the test author what happened, in plain words:
// "wrong password for jdoe@ps_dev", "token expired: unused for 61 minutes, the limit is 60".
// It names users, organisations, units, identifiers, sessions (jti) and times, never a
// secret: no password, key, pass code, authentication code or token. A key is named by its
// place in the fixtures and whom its tokens speak for ("Web API key #1 (maytemplate@ps_dev)"),
// a key the fixtures do not hold as "an unknown key". Reasons are built on refusals only: the
// path of a request that succeeds builds no string.

// because sets f's reason and returns f.
func (f *Failure) because(format string, args ...any) *Failure {
	f.Reason = fmt.Sprintf(format, args...)
	return f
}

// quote is a value the caller sent (a username, an organisation, a unit), quoted and cut to a
// readable length: it is the caller's own input, never a secret, but may be anything.
func quote(s string) string {
	const limit = 64
	if utf8.RuneCountInString(s) > limit {
		r := []rune(s)
		s = string(r[:limit]) + "…"
	}
	return strconv.Quote(s)
}

// clockTime is an instant by the stub's clock, as a reason says it.
func clockTime(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }

// span is a duration as a person says it: "60 minutes", "2 hours", "90s".
func span(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return d.Round(time.Second).String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// list is a unit list as a reason says it: "1, 2".
func (u units) list() string {
	all := []string{u.defaultUnit}
	for _, a := range u.allowed {
		if a != u.defaultUnit {
			all = append(all, a)
		}
	}
	return strings.Join(all, ", ")
}

// unitNotAllowed refuses a unit who may not use. Its reason is also the answer's message: it
// is given only to a caller whose credentials were right.
func unitNotAllowed(unit, who string, u units) *Failure {
	f := Fail(CodeUnitNotAllowed, "")
	f.Message = fmt.Sprintf("unit %s is not one of %s's units %s", quote(unit), who, u.list())
	f.Reason = f.Message
	return f
}

// holderName is "jdoe@ps_dev".
func holderName(username, organisation string) string { return username + "@" + organisation }
