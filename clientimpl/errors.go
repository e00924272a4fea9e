package clientimpl

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

// Sentinel errors. Every error this package returns matches one or more of them with
// errors.Is, so callers branch on meaning without parsing text:
//
//	if errors.Is(err, clientimpl.ErrInvalidCredentials) { … wrong password: do not retry … }
//	if errors.Is(err, clientimpl.ErrTemporary)          { … outage: try again later … }
var (
	// ErrInvalidRequest: the server rejected the request's shape (INVALID_REQUEST, 400).
	ErrInvalidRequest = errors.New("crmauth: invalid request")
	// ErrInvalidCredentials: username, password and organisation do not match (INVALID_CREDENTIALS).
	ErrInvalidCredentials = errors.New("crmauth: invalid credentials")
	// ErrInvalidKey: the Web API key or consumer application key is unknown or malformed (INVALID_KEY).
	ErrInvalidKey = errors.New("crmauth: invalid key")
	// ErrInvalidAccessTokenIdentifier: the consumer's access token identifier does not match
	// (INVALID_ACCESS_TOKEN_IDENTIFIER).
	ErrInvalidAccessTokenIdentifier = errors.New("crmauth: invalid access token identifier")
	// ErrInvalidToken: the token is malformed, forged, unknown or released (INVALID_TOKEN).
	ErrInvalidToken = errors.New("crmauth: invalid token")
	// ErrTokenExpired: the token was valid but has expired (TOKEN_EXPIRED).
	ErrTokenExpired = errors.New("crmauth: token expired")
	// ErrUnitNotAllowed: the unit does not exist or may not be used (UNIT_NOT_ALLOWED).
	ErrUnitNotAllowed = errors.New("crmauth: unit not allowed")
	// ErrThrottled: too many requests or failed attempts (TOO_MANY_REQUESTS, 429); see
	// APIError.RetryAfter.
	ErrThrottled = errors.New("crmauth: throttled")
	// ErrServiceUnavailable: the server cannot issue tokens now (SERVICE_UNAVAILABLE, 503).
	ErrServiceUnavailable = errors.New("crmauth: service unavailable")
	// ErrServerError: the server failed (any 5xx answer, INTERNAL_ERROR included).
	ErrServerError = errors.New("crmauth: server error")

	// ErrTransport: the request got no HTTP answer (DNS, connection refused, reset, timeout).
	// It is never an API refusal.
	ErrTransport = errors.New("crmauth: transport failure")
	// ErrUnexpectedResponse: the server answered, but not as the spec says (wrong content
	// type, no envelope, no token, a token that is not a JWT, …). Often a wrong base URL.
	ErrUnexpectedResponse = errors.New("crmauth: unexpected response")
	// ErrTemporary: worth trying again later — a transport failure, a 429 or a 5xx.
	ErrTemporary = errors.New("crmauth: temporary failure")

	// ErrTokenPlacement: EditRequest could not put the token where its TokenPlacement says —
	// a body that is not a JSON object, a content type that is not JSON, a method the
	// placement has no place for. The request was not to be sent; nothing was sent.
	ErrTokenPlacement = errors.New("crmauth: cannot place the token on the request")

	// ErrClosed: the TokenSource was closed.
	ErrClosed = errors.New("crmauth: token source closed")
)

// codeSentinels maps CRM.COM's status.code values to the sentinels above.
var codeSentinels = map[gen.ErrorCode]error{
	gen.ErrorCodeInvalidRequest:               ErrInvalidRequest,
	gen.ErrorCodeInvalidCredentials:           ErrInvalidCredentials,
	gen.ErrorCodeInvalidKey:                   ErrInvalidKey,
	gen.ErrorCodeInvalidAccessTokenIdentifier: ErrInvalidAccessTokenIdentifier,
	gen.ErrorCodeInvalidToken:                 ErrInvalidToken,
	gen.ErrorCodeTokenExpired:                 ErrTokenExpired,
	gen.ErrorCodeUnitNotAllowed:               ErrUnitNotAllowed,
	gen.ErrorCodeTooManyRequests:              ErrThrottled,
	gen.ErrorCodeServiceUnavailable:           ErrServiceUnavailable,
	gen.ErrorCodeInternalError:                ErrServerError,
}

// APIError is a refusal from the server: an answer whose status.code is not OK, whatever its
// HTTP status (the real CRM.COM documents no error answers, so a 200 with another code is a
// refusal too), or a non-2xx answer. It carries what the server said, so callers can log it
// and branch on it.
//
// A code outside this package's catalogue (one the real CRM.COM sends that the spec does not
// list) is kept in Code as it came; such an error matches no code sentinel, only the ones its
// HTTP status gives (ErrServerError for a 5xx, …). Compare Code itself to branch on it.
type APIError struct {
	// Operation is the method called, in the spec's words, e.g. "authentication/token".
	Operation string
	// HTTPStatus is the answer's HTTP status code.
	HTTPStatus int
	// Code is CRM.COM's status.code; empty when the answer was not in the envelope (a proxy's
	// HTML error page, say), in which case the error also matches ErrUnexpectedResponse.
	Code gen.ErrorCode
	// Description is the fixed sentence for Code; Message says what exactly went wrong.
	Description, Message string
	// RetryAfter is the wait the server asked for (Retry-After), zero when it asked none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	code := string(e.Code)
	if code == "" {
		code = "no CRM.COM envelope"
	}
	s := fmt.Sprintf("crmauth: %s: HTTP %d %s", e.Operation, e.HTTPStatus, code)
	if e.Message != "" {
		s += ": " + e.Message
	} else if e.Description != "" {
		s += ": " + e.Description
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is matches the sentinel for e's code, whatever the HTTP status, and the status-based ones
// (ErrThrottled for 429, ErrServiceUnavailable for 503, ErrServerError for 5xx, ErrTemporary
// for 429 and 5xx).
func (e *APIError) Is(target error) bool {
	if s, ok := codeSentinels[e.Code]; ok && s == target {
		return true
	}
	switch target {
	case ErrThrottled:
		return e.HTTPStatus == http.StatusTooManyRequests
	case ErrServiceUnavailable:
		return e.HTTPStatus == http.StatusServiceUnavailable
	case ErrServerError:
		return e.HTTPStatus >= 500
	case ErrTemporary:
		return e.Temporary()
	case ErrUnexpectedResponse:
		return e.Code == ""
	}
	return false
}

// Temporary reports whether the same request may succeed later: 429 and 5xx answers, the
// ones a Client retries. It goes by the HTTP status only: a 200 that carries INTERNAL_ERROR
// or TOO_MANY_REQUESTS matches those codes' sentinels but is not retried.
func (e *APIError) Temporary() bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500
}

// TransportError is a request that got no HTTP answer. Err is the cause from net/http
// (errors.Is(err, context.DeadlineExceeded) and friends work through it).
type TransportError struct {
	Operation string
	Err       error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("crmauth: %s: no answer: %v", e.Operation, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is matches ErrTransport and ErrTemporary.
func (e *TransportError) Is(target error) bool {
	return target == ErrTransport || target == ErrTemporary
}

// Temporary is always true: the network may be back on the next try.
func (e *TransportError) Temporary() bool { return true }

// ResponseError is an answer that does not match the spec: a success without a token, a
// token that is not a JWT, a body that is not JSON. It matches ErrUnexpectedResponse. It never
// carries the token or the body, which may hold secrets.
type ResponseError struct {
	Operation  string
	HTTPStatus int
	// Reason says what did not match, e.g. "content type text/html, want application/json".
	Reason string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("crmauth: %s: unexpected answer (HTTP %d): %s", e.Operation, e.HTTPStatus, e.Reason)
}

// Is matches ErrUnexpectedResponse.
func (e *ResponseError) Is(target error) bool { return target == ErrUnexpectedResponse }
