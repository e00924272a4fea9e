package authority

// Code is a refusal's status.code, in the words of the spec's ErrorCode table: the same
// strings as gen.ErrorCode, which this package does not import (package gen brings Echo and
// net/http with it). Package httpstub's tests hold every code here to gen's.
type Code string

// The codes the four methods answer with.
const (
	CodeInvalidRequest               Code = "INVALID_REQUEST"
	CodeInvalidCredentials           Code = "INVALID_CREDENTIALS"
	CodeInvalidKey                   Code = "INVALID_KEY"
	CodeInvalidAccessTokenIdentifier Code = "INVALID_ACCESS_TOKEN_IDENTIFIER"
	CodeInvalidToken                 Code = "INVALID_TOKEN"
	CodeTokenExpired                 Code = "TOKEN_EXPIRED"
	CodeUnitNotAllowed               Code = "UNIT_NOT_ALLOWED"
	CodeTooManyRequests              Code = "TOO_MANY_REQUESTS"
	CodeInternalError                Code = "INTERNAL_ERROR"
	CodeServiceUnavailable           Code = "SERVICE_UNAVAILABLE"
)

// Codes are every code above, for the test that holds them to the spec's.
var Codes = []Code{
	CodeInvalidRequest, CodeInvalidCredentials, CodeInvalidKey, CodeInvalidAccessTokenIdentifier,
	CodeInvalidToken, CodeTokenExpired, CodeUnitNotAllowed, CodeTooManyRequests, CodeInternalError,
	CodeServiceUnavailable,
}
