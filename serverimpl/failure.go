package serverimpl

import (
	"net/http"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

// failure is why a request was refused, in the words of the spec's error catalogue: the
// status.code, the message for this request, and when to retry where that applies.
type failure struct {
	code       gen.ErrorCode
	message    string
	retryAfter time.Duration // TOO_MANY_REQUESTS and SERVICE_UNAVAILABLE only
}

func fail(code gen.ErrorCode, message string) *failure {
	return &failure{code: code, message: message}
}

func (f *failure) Error() string { return string(f.code) + ": " + f.message }

// status is the HTTP status of the failure's code (the ErrorCode table in openapi.yaml).
func (f *failure) status() int { return httpStatus[f.code] }

// retryAfterSeconds is the Retry-After value: whole seconds, at least one.
func (f *failure) retryAfterSeconds() int {
	s := int((f.retryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

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

// body is the failure's envelope.
func (f *failure) body() gen.ErrorResponse {
	return gen.ErrorResponse{
		Data:   noData(),
		Status: gen.ErrorStatus{Code: f.code, Description: descriptions[f.code], Message: f.message},
	}
}

func okStatus() gen.OKStatus { return gen.OKStatus{Code: gen.OK} }

// wwwAuthenticate is the challenge sent with INVALID_KEY.
const wwwAuthenticate = `Basic realm="crmauth"`

// bodyChallenge is the challenge sent with the other 401s of the CRM.COM methods, whose
// refused credentials are members of the JSON body (the spec's BodyChallenge).
const bodyChallenge = `Body realm="crmauth"`
