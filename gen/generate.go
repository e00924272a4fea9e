// Package gen holds only code generated from ../openapi.yaml by oapi-codegen: the models, the
// Echo strict server interface, the typed client and the embedded spec. Never edit
// crmauth.gen.go by hand: change openapi.yaml or cfg.yaml and run `make generate`.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../openapi.yaml
