package serverimpl

import (
	"net/http"

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

func (t tokenAnswer) write(w http.ResponseWriter) error {
	body := make([]byte, 0, len(tokenAnswerHead)+len(t)+len(tokenAnswerTail))
	body = append(append(append(body, tokenAnswerHead...), t...), tokenAnswerTail...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

func (t tokenAnswer) VisitLoginResponse(w http.ResponseWriter) error             { return t.write(w) }
func (t tokenAnswer) VisitGetWebApiKeyTokenResponse(w http.ResponseWriter) error { return t.write(w) }
func (t tokenAnswer) VisitGetConsumerApplicationKeyTokenResponse(w http.ResponseWriter) error {
	return t.write(w)
}
