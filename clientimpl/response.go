package clientimpl

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

// maxAnswerBytes bounds how much of an answer is read. A token answer is well under 5 KiB
// (tokens are at most 4096 characters); a megabyte is generous and still bounded.
const maxAnswerBytes = 1 << 20

// answer is an HTTP answer read in full, ready to be judged against the spec.
type answer struct {
	status int
	// mediaType is the Content-Type without parameters, lower case.
	mediaType  string
	retryAfter time.Duration
	body       []byte
}

func readAnswer(op string, resp *http.Response, now time.Time) (answer, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return answer{}, &TransportError{Operation: op, Err: err}
	}
	if len(body) > maxAnswerBytes {
		return answer{}, &ResponseError{Operation: op, HTTPStatus: resp.StatusCode,
			Reason: fmt.Sprintf("answer is over %d bytes", maxAnswerBytes)}
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return answer{
		status:     resp.StatusCode,
		mediaType:  mediaType,
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
		body:       body,
	}, nil
}

func (a answer) isJSON() bool { return isJSONMediaType(a.mediaType) }

// isJSONMediaType reports whether mediaType (lower case, without parameters) is JSON:
// application/json or any +json type.
func isJSONMediaType(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// envelopeStatus is the status of a in CRM.COM's envelope; ok is false when a's body is not
// the envelope (not a JSON object, a status that is not an object, a status.code that is not
// a string), and status is nil when it has none. It does not look at the content type: an
// answer that says why it failed is read whatever type it claims.
func envelopeStatus(a answer) (status *gen.ErrorStatus, ok bool) {
	var env struct {
		Status *gen.ErrorStatus `json:"status"`
	}
	if json.Unmarshal(a.body, &env) != nil {
		return nil, false
	}
	return env.Status, true
}

// refusal turns a non-2xx answer into an *APIError, with CRM.COM's status when the answer is
// in the envelope.
func refusal(op string, a answer) error {
	e := &APIError{Operation: op, HTTPStatus: a.status, RetryAfter: a.retryAfter}
	if st, _ := envelopeStatus(a); st != nil && st.Code != "" {
		e.Code, e.Description, e.Message = st.Code, st.Description, st.Message
		return e
	}
	e.Description = http.StatusText(a.status)
	e.Message = "the answer is not in CRM.COM's envelope"
	if a.mediaType != "" {
		e.Message += " (" + a.mediaType + ")"
	}
	return e
}

// okEnvelope checks that a is a 2xx JSON envelope whose status.code is OK. The real CRM.COM
// documents no error answers, and every public client of it checks only status.code: an
// answer whose status.code is anything but OK is an *APIError carrying that code, whatever
// its HTTP status (a 200 included) and whatever content type it claims.
func okEnvelope(op string, a answer) error {
	if a.status < 200 || a.status > 299 {
		return refusal(op, a)
	}
	st, isEnvelope := envelopeStatus(a)
	if st != nil && st.Code != "" && string(st.Code) != string(gen.OK) {
		return &APIError{Operation: op, HTTPStatus: a.status, Code: st.Code,
			Description: st.Description, Message: st.Message, RetryAfter: a.retryAfter}
	}
	if !a.isJSON() {
		mt := a.mediaType
		if mt == "" {
			mt = "none"
		}
		return &ResponseError{Operation: op, HTTPStatus: a.status,
			Reason: fmt.Sprintf("content type %s, want application/json", mt)}
	}
	if !isEnvelope {
		return &ResponseError{Operation: op, HTTPStatus: a.status, Reason: "body is not the JSON envelope"}
	}
	if st == nil || st.Code == "" {
		return &ResponseError{Operation: op, HTTPStatus: a.status, Reason: "status.code is missing"}
	}
	return nil
}

// tokenAnswer reads the token out of an answer of one of the three token methods.
func tokenAnswer(op string, a answer) (Token, error) {
	if err := okEnvelope(op, a); err != nil {
		return Token{}, err
	}
	var env struct {
		Data *struct {
			Token *string `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil {
		return Token{}, &ResponseError{Operation: op, HTTPStatus: a.status, Reason: "data.token is not a string"}
	}
	if env.Data == nil || env.Data.Token == nil || *env.Data.Token == "" {
		return Token{}, &ResponseError{Operation: op, HTTPStatus: a.status, Reason: "data.token is missing or empty"}
	}
	tok, err := ParseToken(*env.Data.Token)
	if err != nil {
		return Token{}, &ResponseError{Operation: op, HTTPStatus: a.status, Reason: err.Error()}
	}
	return tok, nil
}
