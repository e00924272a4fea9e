package httpstub

import (
	"net/http"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
)

var httpStatus = map[gen.ErrorCode]int{
	gen.ErrorCodeInvalidRequest:               http.StatusBadRequest,
	gen.ErrorCodeInvalidCredentials:           http.StatusUnauthorized,
	gen.ErrorCodeInvalidKey:                   http.StatusUnauthorized,
	gen.ErrorCodeInvalidAccessTokenIdentifier: http.StatusUnauthorized,
	gen.ErrorCodeInvalidToken:                 http.StatusUnauthorized,
	gen.ErrorCodeTokenExpired:                 http.StatusUnauthorized,
	gen.ErrorCodeUnitNotAllowed:               http.StatusForbidden,
	gen.ErrorCodeNotFound:                     http.StatusNotFound,
	gen.ErrorCodeMethodNotAllowed:             http.StatusMethodNotAllowed,
	gen.ErrorCodePayloadTooLarge:              http.StatusRequestEntityTooLarge,
	gen.ErrorCodeUnsupportedMediaType:         http.StatusUnsupportedMediaType,
	gen.ErrorCodeTooManyRequests:              http.StatusTooManyRequests,
	gen.ErrorCodeInternalError:                http.StatusInternalServerError,
	gen.ErrorCodeServiceUnavailable:           http.StatusServiceUnavailable,
}

// descriptions are the fixed sentences of status.description, one per code.
var descriptions = map[gen.ErrorCode]string{
	gen.ErrorCodeInvalidRequest:               "The request is not valid for this method.",
	gen.ErrorCodeInvalidCredentials:           "The username, password or organisation is not right.",
	gen.ErrorCodeInvalidKey:                   "The key is missing, malformed or unknown.",
	gen.ErrorCodeInvalidAccessTokenIdentifier: "The access token identifier does not match.",
	gen.ErrorCodeInvalidToken:                 "The token is not valid.",
	gen.ErrorCodeTokenExpired:                 "The token has expired.",
	gen.ErrorCodeUnitNotAllowed:               "The unit does not exist or may not be used.",
	gen.ErrorCodeNotFound:                     "There is no method at this path.",
	gen.ErrorCodeMethodNotAllowed:             "The method does not accept this HTTP method.",
	gen.ErrorCodePayloadTooLarge:              "The request body is too large.",
	gen.ErrorCodeUnsupportedMediaType:         "The request body must be application/json.",
	gen.ErrorCodeTooManyRequests:              "Too many attempts; try again later.",
	gen.ErrorCodeInternalError:                "The server failed to answer the request.",
	gen.ErrorCodeServiceUnavailable:           "The server cannot answer now.",
}

// noData is the envelope's "data": null on failures and on release: a pointer to a nil map,
// which encoding/json writes as null (a nil pointer would drop the member).
func noData() *map[string]any {
	var m map[string]any
	return &m
}

// failure is the domain's refusal, as the handlers and middleware pass it on (an error).
type failure = authority.Failure

func fail(code gen.ErrorCode, message string) *failure {
	return authority.Fail(authority.Code(code), message)
}

// codeOf is the failure's code as the spec's type (the same string).
func codeOf(f *failure) gen.ErrorCode { return gen.ErrorCode(f.Code) }

// statusOf is the HTTP status of the failure's code (the ErrorCode table in openapi.yaml).
func statusOf(f *failure) int { return httpStatus[codeOf(f)] }

// envelopeOf is the failure's envelope.
func envelopeOf(f *failure) gen.ErrorResponse {
	return gen.ErrorResponse{
		Data:   noData(),
		Status: gen.ErrorStatus{Code: codeOf(f), Description: descriptions[codeOf(f)], Message: f.Message},
	}
}

func okStatus() gen.OKStatus { return gen.OKStatus{Code: gen.OK} }

// wwwAuthenticate is the challenge sent with INVALID_KEY.
const wwwAuthenticate = `Basic realm="crmauth"`

// bodyChallenge is the challenge sent with the other 401s of the CRM.COM methods, whose
// refused credentials are members of the JSON body (the spec's BodyChallenge).
const bodyChallenge = `Body realm="crmauth"`
