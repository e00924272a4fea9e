package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// The gateway's own status codes. They are the stub's, not CRM.COM's: answers of the gateway,
// never of one of the four methods, so openapi.yaml's catalogue does not hold them.
const (
	// CodeBadGateway (502): the upstream could not be reached or broke off its answer.
	CodeBadGateway gen.ErrorCode = "BAD_GATEWAY"
	// CodeGatewayTimeout (504): the upstream did not answer in time (Config.ResponseHeaderTimeout).
	CodeGatewayTimeout gen.ErrorCode = "GATEWAY_TIMEOUT"
)

var descriptions = map[gen.ErrorCode]string{
	CodeBadGateway:                "The upstream could not be reached.",
	CodeGatewayTimeout:            "The upstream did not answer in time.",
	gen.ErrorCodePayloadTooLarge:  "The request body is too large.",
	gen.ErrorCodeInvalidRequest:   "The request is not valid for this method.",
	gen.ErrorCodeMethodNotAllowed: "The method does not accept this HTTP method.",
}

// writeError answers in the envelope every CRM.COM method answers in, and notes the message
// as the refusal's reason in the request's journal entry (it names no token, query or key).
func writeError(w http.ResponseWriter, r *http.Request, status int, code gen.ErrorCode, message string) {
	journal.NoteReason(r.Context(), message)
	var none map[string]any
	data, _ := json.Marshal(gen.ErrorResponse{
		Data:   &none,
		Status: gen.ErrorStatus{Code: code, Description: descriptions[code], Message: message},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
