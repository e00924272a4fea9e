package authority

import (
	"time"
)

// Failure is why a request was refused, in the words of the spec's error catalogue: the
// status.code, the message for this request, and when to retry where that applies. The HTTP
// adapter (package httpstub) gives it its status and envelope.
type Failure struct {
	Code       Code
	Message    string
	RetryAfter time.Duration // TOO_MANY_REQUESTS and SERVICE_UNAVAILABLE only
}

// Fail is the failure code with message.
func Fail(code Code, message string) *Failure {
	return &Failure{Code: code, Message: message}
}

func (f *Failure) Error() string { return string(f.Code) + ": " + f.Message }

// RetryAfterSeconds is the Retry-After value: whole seconds, at least one.
func (f *Failure) RetryAfterSeconds() int {
	s := int((f.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}
