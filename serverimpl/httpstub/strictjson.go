package httpstub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// strictJSONProblem says what makes a request body ambiguous although a lenient JSON decoder
// would take it, or "" when there is nothing:
//
//   - bytes that are not UTF-8 (encoding/json would quietly turn them into U+FFFD, so a
//     password with a stray byte would be compared as another password);
//   - a member name given twice in one object (decoders disagree on which one wins: the
//     classic way of slipping a value past a validator);
//   - anything after the JSON value (a second value, garbage);
//   - values nested deeper than maxNesting: no method's body is more than two levels deep, and
//     a deep value costs the validator time quadratic in its depth (its error message prints
//     the value indented), so 25 KB of nesting would hold a CPU for seconds.
//
// A body that is not JSON at all is left to request validation, whose message says where the
// syntax breaks.
func strictJSONProblem(body []byte) string {
	// The common case, a well-formed body, in one allocation-free pass: jsontext (JSON v2)
	// checks RFC 8259 syntax, UTF-8 and duplicate names, and nesting is counted on the side.
	// Anything else takes the walk below, which says what is wrong.
	if plainJSON(body) {
		return ""
	}
	return strictJSONWalk(body)
}

// plainJSON reports whether body is one JSON value with nothing wrong for strictJSONProblem.
func plainJSON(body []byte) bool {
	return jsontext.Value(body).IsValid() && nesting(body) <= maxNesting
}

// strictJSONWalk is strictJSONProblem for a body plainJSON refused: it finds what is wrong, or
// "" when the body is not JSON at all.
func strictJSONWalk(body []byte) string {
	if !utf8.Valid(body) {
		return "request body: not valid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	problem, wellFormed := strictValue(dec, nil, 0)
	if problem != "" || !wellFormed {
		return problem
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "request body: unexpected data after the JSON value"
	}
	return ""
}

// maxNesting is how deep arrays and objects may nest in a request body.
const maxNesting = 16

// nesting is how deep arrays and objects nest in body, which must be valid JSON.
func nesting(body []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case inString:
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// strictValue reads one JSON value from dec and reports a duplicate member name in it (with
// the path of its object). wellFormed is false when the value is not JSON.
func strictValue(dec *json.Decoder, path []string, depth int) (problem string, wellFormed bool) {
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return "", true // a string, number, boolean or null
	}
	if depth >= maxNesting && (delim == '[' || delim == '{') {
		return "request body: " + at(path, fmt.Sprintf("values nest deeper than %d levels", maxNesting)), true
	}
	switch delim {
	case '[':
		for dec.More() {
			if problem, wellFormed := strictValue(dec, path, depth+1); problem != "" || !wellFormed {
				return problem, wellFormed
			}
		}
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return "", false
			}
			name, _ := tok.(string)
			if seen[name] {
				return "request body: " + at(path, "duplicate member "+strconv.Quote(name)), true
			}
			seen[name] = true
			if problem, wellFormed := strictValue(dec, append(path[:len(path):len(path)], name), depth+1); problem != "" || !wellFormed {
				return problem, wellFormed
			}
		}
	default:
		return "", false // a closing bracket where a value belongs
	}
	_, err = dec.Token() // the closing bracket
	return "", err == nil
}
