package gen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/spectest"
)

const specPath = "../openapi.yaml"

// loadSpec loads openapi.yaml from disk, the way a spec maintainer's edit is checked.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	return doc
}

func TestSpecIsValid(t *testing.T) {
	doc := loadSpec(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestEmbeddedSpecMatchesFile guards against a gen/ that was not regenerated after an edit:
// the stub validates requests against the embedded copy, so it must be the file's twin.
func TestEmbeddedSpecMatchesFile(t *testing.T) {
	embedded, err := gen.GetSwagger()
	if err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
	want, _ := json.Marshal(loadSpec(t))
	got, _ := json.Marshal(embedded)
	if string(want) != string(got) {
		t.Fatal("the spec embedded in gen/ differs from openapi.yaml: run `make generate`")
	}
}

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	doc := loadSpec(t)
	examples := spectest.Collect(doc)
	if len(examples) < 40 {
		t.Fatalf("found only %d examples; the walk over the document is broken", len(examples))
	}
	for _, ex := range examples {
		if err := ex.Schema.VisitJSON(ex.Value); err != nil {
			t.Errorf("%s does not match its schema: %v", ex.Where, err)
		}
	}
}

// TestWrongExampleIsCaught proves the example check has teeth: a response example without
// its mandatory status member must be reported.
func TestWrongExampleIsCaught(t *testing.T) {
	doc := loadSpec(t)
	mt := doc.Components.Responses["TokenIssued"].Value.Content["application/json"]
	bad := map[string]any{"data": map[string]any{"token": "short"}}
	mt.Examples["token"].Value.Value = bad
	caught := false
	for _, ex := range spectest.Collect(doc) {
		if strings.Contains(ex.Where, "examples.token") && reflect.DeepEqual(ex.Value, bad) {
			caught = ex.Schema.VisitJSON(ex.Value) != nil
		}
	}
	if !caught {
		t.Fatal("an example missing status and with a too-short token was not rejected")
	}
}

// TestVendorExamplesAreVerbatim pins the vendor's documented examples: the stub and the
// docs promise they work word for word.
func TestVendorExamplesAreVerbatim(t *testing.T) {
	doc := loadSpec(t)
	consumer := doc.Paths.Find("/authentication/consumer_application_key/token").Post
	body := consumer.RequestBody.Value.Content["application/json"].Examples["vendorExample"].Value.Value
	got, _ := json.Marshal(body)
	if want := `{"access_token_identifier":{"authentication_code":"p_kestora1!"},"unit":"1"}`; string(got) != want {
		t.Errorf("consumer vendor example = %s, want %s", got, want)
	}
	webKey := doc.Paths.Find("/authentication/web_api_key/token").Post
	body = webKey.RequestBody.Value.Content["application/json"].Examples["vendorExample"].Value.Value
	if got, _ := json.Marshal(body); string(got) != `{}` {
		t.Errorf("web API key vendor example = %s, want {}", got)
	}
	if !strings.Contains(doc.Components.SecuritySchemes["WebApiKey"].Value.Description,
		"Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6") {
		t.Error("the WebApiKey scheme no longer shows the vendor's Authorization header")
	}
}

// TestEveryOperationDeclaresItsErrors checks the promise that each operation lists every
// error status the server can answer, all in the shared error envelope.
func TestEveryOperationDeclaresItsErrors(t *testing.T) {
	doc := loadSpec(t)
	errEnvelope := doc.Components.Schemas["ErrorResponse"].Value
	want := map[string][]string{
		"Login":                          {"400", "401", "403", "413", "415", "429", "500", "503"},
		"ReleaseToken":                   {"400", "401", "413", "415", "429", "500", "503"},
		"GetWebApiKeyToken":              {"400", "401", "403", "413", "415", "429", "500", "503"},
		"GetConsumerApplicationKeyToken": {"400", "401", "403", "413", "415", "429", "500", "503"},
	}
	seen := 0
	for path, item := range doc.Paths.Map() {
		op := item.Post
		if op == nil || len(item.Operations()) != 1 {
			t.Errorf("%s: want exactly one operation, a POST", path)
			continue
		}
		statuses, ok := want[op.OperationID]
		if !ok {
			t.Errorf("%s: unexpected operation %q", path, op.OperationID)
			continue
		}
		seen++
		if op.Description == "" || op.Summary == "" || len(op.Tags) == 0 {
			t.Errorf("%s: summary, description and tag are all required", op.OperationID)
		}
		if !strings.Contains(op.Description, "hour") {
			t.Errorf("%s: the description must state the token lifetime rule", op.OperationID)
		}
		var declared []string
		for status, resp := range op.Responses.Map() {
			if status == "200" {
				continue
			}
			declared = append(declared, status)
			schema := resp.Value.Content["application/json"].Schema.Value
			if schema != errEnvelope {
				t.Errorf("%s %s: not answered in the shared ErrorResponse envelope", op.OperationID, status)
			}
			if (status == "429" || status == "503") && resp.Value.Headers["Retry-After"] == nil {
				t.Errorf("%s %s: Retry-After header not declared", op.OperationID, status)
			}
		}
		slices.Sort(declared)
		if !slices.Equal(declared, statuses) {
			t.Errorf("%s: error statuses %v, want %v", op.OperationID, declared, statuses)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d operations", seen, len(want))
	}
}

// TestErrorCatalogueIsDocumented: every ErrorCode value has a row in the description table.
func TestErrorCatalogueIsDocumented(t *testing.T) {
	doc := loadSpec(t)
	code := doc.Components.Schemas["ErrorCode"].Value
	if len(code.Enum) < 10 {
		t.Fatalf("ErrorCode has %d values", len(code.Enum))
	}
	for _, v := range code.Enum {
		if !strings.Contains(code.Description, fmt.Sprintf("| `%s` |", v)) {
			t.Errorf("ErrorCode %s is not described in the catalogue table", v)
		}
		if !gen.ErrorCode(v.(string)).Valid() {
			t.Errorf("generated ErrorCode does not know %s: run `make generate`", v)
		}
	}
}

func TestStrictServerHasExactlyTheFourOperations(t *testing.T) {
	iface := reflect.TypeFor[gen.StrictServerInterface]()
	var names []string
	for i := range iface.NumMethod() {
		names = append(names, iface.Method(i).Name)
	}
	want := []string{"GetConsumerApplicationKeyToken", "GetWebApiKeyToken", "Login", "ReleaseToken"}
	if !slices.Equal(names, want) {
		t.Fatalf("StrictServerInterface methods = %v, want %v", names, want)
	}
}
