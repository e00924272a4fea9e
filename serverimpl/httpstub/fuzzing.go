package httpstub

// The pure parts the fuzz targets of package serverimpl drive (they are seeded from the
// bad-input catalogue there), exported for them: no HTTP, thousands of runs per second.

// ParseBasicKey is the key of an Authorization header's Basic credentials, or the problem.
func ParseBasicKey(header string) (key, problem string) { return parseBasicKey(header) }

// StrictJSONProblem is why body is not strict JSON, or "".
func StrictJSONProblem(body []byte) string { return strictJSONProblem(body) }

// PlainJSON reports whether body can skip the strict walk.
func PlainJSON(body []byte) bool { return plainJSON(body) }

// StrictJSONWalk is StrictJSONProblem's full walk.
func StrictJSONWalk(body []byte) string { return strictJSONWalk(body) }

// Nesting is body's deepest nesting of objects and arrays.
func Nesting(body []byte) int { return nesting(body) }

// MaxNesting is the deepest nesting a body may have.
const MaxNesting = maxNesting
