package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/gen/admin"
)

const specPath = "../../api/admin.yaml"

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	return doc
}

func TestSpecIsValid(t *testing.T) {
	doc := loadSpec(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("admin.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

// The stub validates admin requests against the embedded copy (the document without its
// excluded operations) and serves Document: both must be api/admin.yaml as it is now.
func TestEmbeddedSpecMatchesFile(t *testing.T) {
	embedded, err := admin.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	doc := loadSpec(t)
	for _, item := range doc.Paths.Map() { // oapi-codegen keeps the paths, empty
		for method, op := range item.Operations() {
			if excludedFromGeneration(op) {
				item.SetOperation(method, nil)
			}
		}
	}
	want, _ := json.Marshal(doc)
	got, _ := json.Marshal(embedded)
	if !bytes.Equal(want, got) {
		t.Fatal("the document embedded in gen/admin differs from api/admin.yaml: run `make generate`")
	}
	file, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, admin.Document) {
		t.Fatal("gen/admin/admin.yaml differs from api/admin.yaml: run `make generate`")
	}
}

type example struct {
	where  string
	schema *openapi3.Schema
	value  any
}

// collectExamples walks every place OpenAPI 3.0 allows an example (as gen/spec_test.go does
// for openapi.yaml).
func collectExamples(doc *openapi3.T) []example {
	var out []example
	var fromSchema func(where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool)
	fromSchema = func(where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		s := ref.Value
		if s.Example != nil {
			out = append(out, example{where + " (schema example)", s, s.Example})
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
				out = append(out, example{where + " " + ct + " example", mt.Schema.Value, mt.Example})
			}
			for name, ex := range mt.Examples {
				out = append(out, example{where + " " + ct + " examples." + name, mt.Schema.Value, ex.Value.Value})
			}
			fromSchema(where+" "+ct, mt.Schema, map[*openapi3.Schema]bool{})
		}
	}
	for name, s := range doc.Components.Schemas {
		fromSchema("components.schemas."+name, s, map[*openapi3.Schema]bool{})
	}
	for name, p := range doc.Components.Parameters {
		if p.Value.Example != nil {
			out = append(out, example{"components.parameters." + name, p.Value.Schema.Value, p.Value.Example})
		}
	}
	for name, h := range doc.Components.Headers {
		if h.Value.Example != nil {
			out = append(out, example{"components.headers." + name, h.Value.Schema.Value, h.Value.Example})
		}
	}
	for path, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			if p.Value.Example != nil {
				out = append(out, example{path + " parameter " + p.Value.Name, p.Value.Schema.Value, p.Value.Example})
			}
		}
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				if p.Value.Example != nil {
					out = append(out, example{where + " parameter " + p.Value.Name, p.Value.Schema.Value, p.Value.Example})
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
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	examples := collectExamples(loadSpec(t))
	if len(examples) < 30 {
		t.Fatalf("found only %d examples; the walk over the document is broken", len(examples))
	}
	for _, ex := range examples {
		if err := ex.schema.VisitJSON(ex.value); err != nil {
			t.Errorf("%s does not match its schema: %v", ex.where, err)
		}
	}
}

// The generated interface is exactly what serverimpl/admin implements: the routes tagged
// stub, forward-auth and gateway are described, not generated.
func TestExcludedOperationsAreNotGenerated(t *testing.T) {
	doc := loadSpec(t)
	generated := map[string]bool{"ListRequests": true, "ClearRequests": true, "CountRequests": true,
		"ListSessions": true, "EndSession": true, "Reset": true, "GetCoverage": true, "GetClock": true, "AdvanceClock": true}
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if excluded := excludedFromGeneration(op); excluded == generated[op.OperationID] {
				t.Errorf("%s %s: tags %v, but generated is %v", path, op.OperationID, op.Tags, generated[op.OperationID])
			}
		}
	}
}

// excludedFromGeneration is cfg.yaml's exclude-tags.
func excludedFromGeneration(op *openapi3.Operation) bool {
	for _, tag := range op.Tags {
		if tag == "stub" || tag == "forward-auth" || tag == "gateway" {
			return true
		}
	}
	return false
}
