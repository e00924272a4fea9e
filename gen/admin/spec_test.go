package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/internal/spectest"
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

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	examples := spectest.Collect(loadSpec(t))
	if len(examples) < 30 {
		t.Fatalf("found only %d examples; the walk over the document is broken", len(examples))
	}
	for _, ex := range examples {
		if err := ex.Schema.VisitJSON(ex.Value); err != nil {
			t.Errorf("%s does not match its schema: %v", ex.Where, err)
		}
	}
}

// The generated interface is exactly what serverimpl/admin implements: the routes tagged
// stub, forward-auth and gateway are described, not generated.
func TestExcludedOperationsAreNotGenerated(t *testing.T) {
	doc := loadSpec(t)
	generated := map[string]bool{"ListRequests": true, "ClearRequests": true, "CountRequests": true,
		"ListSessions": true, "EndSession": true, "Reset": true, "GetCoverage": true, "GetClock": true, "AdvanceClock": true, "ResetClock": true}
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
