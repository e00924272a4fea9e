package gen_test

import (
	"os"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
)

// TestSpecYAMLIsTheFile fails as soon as openapi.yaml is edited without `make generate`: the
// stub serves gen.SpecYAML as the contract, so it must be the file, byte for byte.
func TestSpecYAMLIsTheFile(t *testing.T) {
	file, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if gen.SpecYAML != string(file) {
		t.Fatal("gen.SpecYAML is not openapi.yaml: run `make generate`")
	}
}
