// Package othercrm is a test-only package: a typed client (models and client, by oapi-codegen)
// of the gateway's test spec, serverimpl/gateway/testdata/othermethods.yaml, two CRM.COM-style
// methods other than the four of this module (GET contacts/list with the token in the query,
// POST contacts/update with the token in the JSON body). It stands for the client a team
// generates from CRM.COM's other methods, and is driven through `crmauth serve --upstream` by
// serverimpl/gateway's tests with a clientimpl.TokenSource putting the token on each request.
// It is not part of the API this module offers.
//
// Everything but this file and generate.go is generated: never edit it by hand; change the
// spec or cfg.yaml and run `make generate`.
package othercrm
