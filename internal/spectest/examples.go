// Package spectest holds what the tests of openapi.yaml and api/admin.yaml share: finding
// every example in a document (Collect), and holding a real answer to the operation it
// answers (ValidateAnswer), so both documents are checked the same way.
package spectest

import (
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// Example is one example value in a document, with the schema it must satisfy.
type Example struct {
	Where  string // where in the document, for the failure message
	Schema *openapi3.Schema
	Value  any
}

// Collect walks every place OpenAPI 3.0 allows an example: component schemas and their
// properties, parameters, headers, request bodies and responses; sorted by Where.
func Collect(doc *openapi3.T) []Example {
	var out []Example
	var fromSchema func(where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool)
	fromSchema = func(where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		s := ref.Value
		if s.Example != nil {
			out = append(out, Example{where + " (schema example)", s, s.Example})
		}
		for name, p := range s.Properties {
			fromSchema(where+"."+name, p, seen)
		}
		if s.Items != nil {
			fromSchema(where+"[]", s.Items, seen)
		}
	}
	fromMedia := func(where string, content openapi3.Content) {
		for ct, mt := range content {
			if mt.Schema == nil {
				continue
			}
			if mt.Example != nil {
				out = append(out, Example{where + " " + ct + " example", mt.Schema.Value, mt.Example})
			}
			for name, ex := range mt.Examples {
				out = append(out, Example{where + " " + ct + " examples." + name, mt.Schema.Value, ex.Value.Value})
			}
			fromSchema(where+" "+ct, mt.Schema, map[*openapi3.Schema]bool{})
		}
	}
	for name, s := range doc.Components.Schemas {
		fromSchema("components.schemas."+name, s, map[*openapi3.Schema]bool{})
	}
	for name, p := range doc.Components.Parameters {
		if p.Value.Example != nil {
			out = append(out, Example{"components.parameters." + name, p.Value.Schema.Value, p.Value.Example})
		}
	}
	for name, h := range doc.Components.Headers {
		if h.Value.Example != nil {
			out = append(out, Example{"components.headers." + name, h.Value.Schema.Value, h.Value.Example})
		}
	}
	for path, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			if p.Value.Example != nil {
				out = append(out, Example{path + " parameter " + p.Value.Name, p.Value.Schema.Value, p.Value.Example})
			}
		}
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				if p.Value.Example != nil {
					out = append(out, Example{where + " parameter " + p.Value.Name, p.Value.Schema.Value, p.Value.Example})
				}
			}
			if op.RequestBody != nil {
				fromMedia(where+" request", op.RequestBody.Value.Content)
			}
			for status, resp := range op.Responses.Map() {
				fromMedia(where+" response "+status, resp.Value.Content)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Where < out[j].Where })
	return out
}
