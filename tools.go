//go:build tools

// Package tools pins the code generator and the linter in go.mod, so `make generate` and
// `make lint` need nothing installed but Go: `go run` builds oapi-codegen and staticcheck
// at exactly the versions recorded here.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
