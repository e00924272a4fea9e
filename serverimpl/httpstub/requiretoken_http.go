package httpstub

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/crmcom-community/crmauth/gen"
)

// RequireTokenHandler is RequireToken for net/http: the method value s.RequireTokenHandler is
// a func(http.Handler) http.Handler, so teams not on Echo can guard a route without importing
// it. It follows the token rule (CheckRequest) and answers a refusal in the envelope with the
// same statuses and Bearer challenge; next sees the accepted token in its request's context
// (TokenInfoFrom) and the body unread.
func (s *Stack) RequireTokenHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, f := s.checkRequest(r)
		if f != nil {
			exchangeFrom(r.Context()).noteRefusal(f)
			bearerChallenge(w.Header(), f)
			writeFailureHTTP(w, f)
			return
		}
		next.ServeHTTP(w, withTokenInfo(r, info))
	})
}

// writeFailureHTTP is writeFailure for a plain http.ResponseWriter, with the same headers: a
// session store that does not answer (Redis down) makes a check SERVICE_UNAVAILABLE, which
// carries Retry-After like every 503 of the stub.
func writeFailureHTTP(w http.ResponseWriter, f *failure) {
	data, err := json.Marshal(envelopeOf(f))
	status := statusOf(f)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"data":null,"status":{"code":"INTERNAL_ERROR","description":"","message":"internal error"}}`)
	}
	switch codeOf(f) {
	case gen.ErrorCodeTooManyRequests, gen.ErrorCodeServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
