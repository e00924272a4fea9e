package coverage_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
)

// The declared answers are read from the spec itself: a few that must be there, and every one
// of them a code the catalogue gives that HTTP status (or OK for 200).
func TestDeclaredFromTheSpec(t *testing.T) {
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	declared, err := coverage.Declared(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []coverage.Key{
		key("Login", 200, "OK"),
		key("Login", 401, "INVALID_CREDENTIALS"),
		key("ReleaseToken", 401, "INVALID_TOKEN"),
		key("ReleaseToken", 401, "TOKEN_EXPIRED"),
		key("GetConsumerApplicationKeyToken", 401, "INVALID_ACCESS_TOKEN_IDENTIFIER"),
		key("GetWebApiKeyToken", 503, "SERVICE_UNAVAILABLE"),
		key("ReleaseToken", 503, "SERVICE_UNAVAILABLE"), // from spec 1.1.0
	} {
		if !slices.Contains(declared, want) {
			t.Errorf("Declared lacks %v", want)
		}
	}
	if slices.Contains(declared, key("ReleaseToken", 403, "UNIT_NOT_ALLOWED")) {
		t.Error("ReleaseToken declares no 403: a release names no unit")
	}
	operations := map[string]bool{}
	for _, k := range declared {
		operations[k.Operation] = true
		if k.Code == "OK" {
			if k.Status != 200 {
				t.Errorf("%v: OK with a status other than 200", k)
			}
			continue
		}
		if got := httpStatusOf(gen.ErrorCode(k.Code)); got != k.Status {
			t.Errorf("%v: the catalogue gives %s status %d", k, k.Code, got)
		}
	}
	if len(operations) != 4 {
		t.Errorf("operations %v, want the four methods", operations)
	}
}

// httpStatusOf is the catalogue's HTTP column (the ErrorCode description in openapi.yaml).
func httpStatusOf(c gen.ErrorCode) int {
	switch c {
	case gen.ErrorCodeInvalidRequest:
		return 400
	case gen.ErrorCodeInvalidCredentials, gen.ErrorCodeInvalidKey, gen.ErrorCodeInvalidAccessTokenIdentifier,
		gen.ErrorCodeInvalidToken, gen.ErrorCodeTokenExpired:
		return 401
	case gen.ErrorCodeUnitNotAllowed:
		return 403
	case gen.ErrorCodeNotFound:
		return 404
	case gen.ErrorCodeMethodNotAllowed:
		return 405
	case gen.ErrorCodePayloadTooLarge:
		return 413
	case gen.ErrorCodeUnsupportedMediaType:
		return 415
	case gen.ErrorCodeTooManyRequests:
		return 429
	case gen.ErrorCodeInternalError:
		return 500
	case gen.ErrorCodeServiceUnavailable:
		return 503
	}
	return 0
}

func TestCompute(t *testing.T) {
	declared := []coverage.Key{
		key("Login", 200, "OK"), key("Login", 401, "INVALID_CREDENTIALS"), key("ReleaseToken", 200, "OK"),
	}
	given := map[coverage.Key]int64{
		key("Login", 200, "OK"):        3,
		key("Login", 404, "NOT_FOUND"): 1, // given, not declared
		key("ReleaseToken", 200, "OK"): 2,
	}
	r := coverage.Compute(declared, given)
	got := fmt.Sprint(r.Operations)
	want := "[{Login [{200 OK true 3} {401 INVALID_CREDENTIALS true 0} {404 NOT_FOUND false 1}]} {ReleaseToken [{200 OK true 2}]}]"
	if got != want {
		t.Fatalf("Compute:\n %s\nwant\n %s", got, want)
	}
	if n := fmt.Sprint(r.Never()); n != "[{Login 401 INVALID_CREDENTIALS}]" {
		t.Errorf("Never %s", n)
	}
	if u := fmt.Sprint(r.Undeclared()); u != "[{Login 404 NOT_FOUND}]" {
		t.Errorf("Undeclared %s", u)
	}
}

func key(operation string, status int, code string) coverage.Key {
	return coverage.Key{Operation: operation, Status: status, Code: code}
}
