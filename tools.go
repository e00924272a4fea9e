//go:build tools

// Package tools pins the code generator in go.mod, so `make generate` needs nothing
// installed but Go: `go run` builds oapi-codegen at exactly the version recorded here.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
