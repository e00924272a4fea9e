package httpstub

import (
	"net/http"
	"sync"

	"github.com/crmcom-community/crmauth/gen"
)

// tokenAnswer is the 200 answer of the three issuing methods. It writes the very bytes the
// generated TokenIssued response types write (json.Encoder's compact envelope and trailing
// newline), without reflection or an encoder per request: a token is JWT characters only
// (base64url and dots), which JSON needs no escaping for.
type tokenAnswer string

var (
	_ gen.LoginResponseObject                          = tokenAnswer("")
	_ gen.GetWebApiKeyTokenResponseObject              = tokenAnswer("")
	_ gen.GetConsumerApplicationKeyTokenResponseObject = tokenAnswer("")
)

const (
	tokenAnswerHead = `{"data":{"token":"`
	tokenAnswerTail = `"},"status":{"code":"OK","description":"","message":""}}` + "\n"
)

// jsonContentType is the Content-Type header's value, shared by every answer: header values
// are replaced (Set) or appended to (Add), never changed in place.
var jsonContentType = []string{"application/json"}

// answerBuffers hold an answer while it is written, so that writing one allocates nothing.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (t tokenAnswer) write(w http.ResponseWriter) error {
	buf := answerBuffers.Get().(*[]byte)
	defer answerBuffers.Put(buf)
	body := append(append(append((*buf)[:0], tokenAnswerHead...), t...), tokenAnswerTail...)
	*buf = body[:0]
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

func (t tokenAnswer) VisitLoginResponse(w http.ResponseWriter) error             { return t.write(w) }
func (t tokenAnswer) VisitGetWebApiKeyTokenResponse(w http.ResponseWriter) error { return t.write(w) }
func (t tokenAnswer) VisitGetConsumerApplicationKeyTokenResponse(w http.ResponseWriter) error {
	return t.write(w)
}
