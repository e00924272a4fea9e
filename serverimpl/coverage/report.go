package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Declared lists every answer the spec declares for its operations: for each response status
// of each operation, every status.code the response's examples carry ("OK" for a 2xx answer
// whose examples carry none). The examples are the spec's enumeration of the codes a response
// can hold — gen's spec tests hold every example valid against its schema — so this list
// follows the spec without a second catalogue here.
func Declared(doc *openapi3.T) ([]Key, error) {
	var out []Key
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				n, err := strconv.Atoi(status)
				if err != nil {
					return nil, fmt.Errorf("coverage: %s: response %q is not an HTTP status", op.OperationID, status)
				}
				codes := exampleCodes(ref)
				if len(codes) == 0 && n < 300 {
					codes = []string{"OK"}
				}
				if len(codes) == 0 {
					return nil, fmt.Errorf("coverage: %s %d: no example names the status.code", op.OperationID, n)
				}
				for _, c := range codes {
					out = append(out, Key{op.OperationID, n, c})
				}
			}
		}
	}
	slices.SortFunc(out, compareKeys)
	return slices.Compact(out), nil
}

func exampleCodes(ref *openapi3.ResponseRef) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	var codes []string
	for _, media := range ref.Value.Content {
		for _, ex := range media.Examples {
			if ex == nil || ex.Value == nil {
				continue
			}
			body, _ := ex.Value.Value.(map[string]any)
			status, _ := body["status"].(map[string]any)
			if code, ok := status["code"].(string); ok && !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
	}
	return codes
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Code, b.Code))
}

// Answer is one kind of answer in a Report.
type Answer struct {
	Status   int
	Code     string
	Declared bool  // the spec declares it; an answer given but not declared is a finding too
	Count    int64 // how often the stub gave it
}

// Operation is one operation's answers in a Report, in order of status and code.
type Operation struct {
	Operation string
	Answers   []Answer
}

// Report is coverage at one instant: per operation, every declared answer (given or not) and
// every answer given that the spec does not declare.
type Report struct {
	Operations []Operation
}

// Compute puts declared answers and given counts together. Counts of operations that declare
// nothing are reported under their own names.
func Compute(declared []Key, given map[Key]int64) Report {
	all := map[Key]Answer{}
	for _, k := range declared {
		all[k] = Answer{Status: k.Status, Code: k.Code, Declared: true}
	}
	for k, n := range given {
		a := all[k]
		a.Status, a.Code, a.Count = k.Status, k.Code, n
		all[k] = a
	}
	keys := slices.SortedFunc(func(yield func(Key) bool) {
		for k := range all {
			if !yield(k) {
				return
			}
		}
	}, compareKeys)
	var r Report
	for _, k := range keys {
		if len(r.Operations) == 0 || r.Operations[len(r.Operations)-1].Operation != k.Operation {
			r.Operations = append(r.Operations, Operation{Operation: k.Operation})
		}
		op := &r.Operations[len(r.Operations)-1]
		op.Answers = append(op.Answers, all[k])
	}
	return r
}

// Never lists the declared answers the stub never gave.
func (r Report) Never() []Key {
	var out []Key
	for _, op := range r.Operations {
		for _, a := range op.Answers {
			if a.Declared && a.Count == 0 {
				out = append(out, Key{op.Operation, a.Status, a.Code})
			}
		}
	}
	return out
}

// Undeclared lists the answers given that the spec does not declare.
func (r Report) Undeclared() []Key {
	var out []Key
	for _, op := range r.Operations {
		for _, a := range op.Answers {
			if !a.Declared {
				out = append(out, Key{op.Operation, a.Status, a.Code})
			}
		}
	}
	return out
}
