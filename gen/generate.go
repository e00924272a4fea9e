// Package gen holds only code generated from ../openapi.yaml: by oapi-codegen, the models,
// the Echo strict server interface, the typed client and the spec as kin-openapi loads it
// (GetSpec); by internal/cmd/specembed, the document itself, byte for byte (SpecYAML) and as
// JSON (SpecJSON). Never edit a generated file by hand: change openapi.yaml or cfg.yaml and
// run `make generate`.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../openapi.yaml
//go:generate go run ../internal/cmd/specembed ../openapi.yaml
