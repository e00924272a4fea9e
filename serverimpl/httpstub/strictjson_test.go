package httpstub

import (
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
