// Package admin holds only code generated from ../../api/admin.yaml, the stub's own
// administration routes, by oapi-codegen: the models, the Echo strict server interface, the
// typed client and the embedded document; and admin.yaml, a byte-for-byte copy of the
// document the stub serves at /_crmauth/openapi.yaml. Never edit admin.gen.go or admin.yaml
// here by hand: change api/admin.yaml or cfg.yaml and run `make generate`.
package admin

import _ "embed"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../api/admin.yaml
//go:generate cp ../../api/admin.yaml admin.yaml

// Document is api/admin.yaml as written.
//
//go:embed admin.yaml
var Document []byte
