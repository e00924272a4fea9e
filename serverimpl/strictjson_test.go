package serverimpl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStrictJSONProblem(t *testing.T) {
	for body, want := range map[string]string{
		`{"username":"jdoe"}`:              "",
		` {"a":[{"b":1},{"b":2}]} ` + "\n": "", // the same name in sibling objects is fine
		`{"a":{"b":1},"b":2}`:              "",
		`{"a":1,"a":1}`:                    `request body: duplicate member "a"`,
		`{"a":{"b":1,"c":2,"b":3}}`:        `request body: a: duplicate member "b"`,
		`{"a":[{"x":{"y":1,"y":2}}]}`:      `request body: a.x: duplicate member "y"`,
		`{"a":1} x`:                        "request body: unexpected data after the JSON value",
		`{"a":1}{"a":1}`:                   "request body: unexpected data after the JSON value",
		`[] []`:                            "request body: unexpected data after the JSON value",
		"{\"a\":\"\xff\"}":                 "request body: not valid UTF-8",
		`{"a":1`:                           "", // not JSON: request validation says where
		`{"a" 1}`:                          "",
		`]`:                                "",
		strings.Repeat("[", 16) + strings.Repeat("]", 16):                     "",
		strings.Repeat("[", 17) + strings.Repeat("]", 17):                     "request body: values nest deeper than 16 levels",
		`{"a":` + strings.Repeat(`{"b":`, 16) + "1" + strings.Repeat("}", 17): "request body: a.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b: values nest deeper than 16 levels",
		strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000):             "request body: values nest deeper than 16 levels",
		strings.Repeat("[", 20_000):                                           "request body: values nest deeper than 16 levels",
	} {
		if got := strictJSONProblem([]byte(body)); got != want {
			t.Errorf("%.40q: got %q, want %q", body, got, want)
		}
	}
}

// FuzzStrictJSONFastPath: whatever the fast path (plainJSON) lets through, the walk finds
// nothing wrong with either, so the fast path never accepts what the walk would refuse. go test
// runs the seeds; go test -fuzz FuzzStrictJSONFastPath looks further.
func FuzzStrictJSONFastPath(f *testing.F) {
	for _, s := range []string{
		`{"username":"jdoe"}`, `{"a":1,"a":1}`, `{"a":{"b":1,"c":2,"b":3}}`, `{"a":1} x`, "{\"a\":\"\xff\"}",
		`{"a":"\u00e9\\\"x"}`, `{"a\u0000":1,"a":2}`, `{"a":1,"\u0061":2}`, `[1,[2,[3]]]`, ` "x" `, `{"a":"]]]]"}`,
		strings.Repeat("[", 16) + strings.Repeat("]", 16), strings.Repeat("[", 17) + strings.Repeat("]", 17),
		`{"s":"` + strings.Repeat("[", 30) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if plainJSON(body) {
			if problem := strictJSONWalk(body); problem != "" {
				t.Fatalf("fast path accepted %q, the walk says %s", body, problem)
			}
			if !json.Valid(body) {
				t.Fatalf("fast path accepted %q, which encoding/json says is not JSON", body)
			}
		}
	})
}
