package authority

import (
	"time"
)

// Failure is why a request was refused, in the words of the spec's error catalogue: the
// status.code, the message for this request, and when to retry where that applies. The HTTP
// adapter (package httpstub) gives it its status and envelope.
//
// Message is what the answer says (status.message); Reason, when set, is the fuller account
// for the journal, which the answer may not give: an unknown user and a wrong password are
// answered alike ("login failed"), and only the reason says which it was. Neither ever holds
// a secret.
type Failure struct {
	Code       Code
	Message    string
	Reason     string        // "": the message says it all
	RetryAfter time.Duration // TOO_MANY_REQUESTS and SERVICE_UNAVAILABLE only
}

// Fail is the failure code with message.
func Fail(code Code, message string) *Failure {
	return &Failure{Code: code, Message: message}
}

func (f *Failure) Error() string { return string(f.Code) + ": " + f.Message }

// Why is the refusal's reason for the journal: Reason, or the message when it says it all.
func (f *Failure) Why() string {
	if f.Reason != "" {
		return f.Reason
	}
	return f.Message
}

// RetryAfterSeconds is the Retry-After value: whole seconds, at least one.
func (f *Failure) RetryAfterSeconds() int {
	s := int((f.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}
