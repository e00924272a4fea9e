package othercrm

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config cfg.yaml ../../serverimpl/gateway/testdata/othermethods.yaml
