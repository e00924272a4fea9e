package serverimpl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/internal/spectest"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// conformanceRouter finds a request's operation in the embedded spec. It is built once: the
// fuzz target calls answerConformance for every input.
var conformanceRouter = sync.OnceValues(func() (routers.Router, error) {
	spec, err := gen.GetSpec()
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(spec)
})

// answerConformance says what is wrong with an answer of the stub, or nil when it keeps the
// spec's promises for this request:
//   - never a 5xx;
//   - an answer of a CRM.COM method is valid against the spec (openapi3filter.ValidateResponse,
//     undeclared statuses refused), and a failure carries the headers its code needs;
//   - any other answer under the base path (unknown path, wrong HTTP method) is the error
//     envelope in JSON.
//
// Answers outside the base path (/healthz, /openapi.json, ...), CORS preflights and HEAD
// answers (which have no body) are only held to "no 5xx".
func answerConformance(req *http.Request, status int, header http.Header, body []byte) error {
	if status >= 500 {
		return fmt.Errorf("answered %d: %s", status, body)
	}
	if !strings.HasPrefix(req.URL.Path, serverimpl.BasePath) || req.Method == http.MethodOptions || req.Method == http.MethodHead {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("answered %d with Content-Type %q, want application/json: %q", status, header.Get("Content-Type"), body)
	}
	var e struct {
		Data   json.RawMessage `json:"data"`
		Status struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("answered %d with a body that is not the envelope: %v: %q", status, err, body)
	}
	if status >= 400 {
		if e.Status.Description == "" || string(e.Data) != "null" {
			return fmt.Errorf("failure %d without description or with data: %s", status, body)
		}
		switch gen.ErrorCode(e.Status.Code) {
		case gen.ErrorCodeTooManyRequests, gen.ErrorCodeServiceUnavailable:
			if header.Get("Retry-After") == "" {
				return fmt.Errorf("%s without Retry-After", e.Status.Code)
			}
		case gen.ErrorCodeInvalidKey:
			if header.Get("WWW-Authenticate") == "" {
				return fmt.Errorf("INVALID_KEY without WWW-Authenticate")
			}
		}
	}
	router, err := conformanceRouter()
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		// No operation for this method and path: the envelope is all the spec promises.
		if status < 400 {
			return fmt.Errorf("answered %d to a request no operation takes", status)
		}
		var v any
		_ = json.Unmarshal(body, &v)
		spec, _ := gen.GetSpec()
		if err := spec.Components.Schemas["ErrorResponse"].Value.VisitJSON(v); err != nil {
			return fmt.Errorf("answered %d, not in the error envelope: %v: %s", status, err, body)
		}
		return nil
	}
	if err := spectest.ValidateAnswer(context.Background(), req, route, params, status, header, body); err != nil {
		return fmt.Errorf("answered %d, not as the spec says: %v: %s", status, err, body)
	}
	return nil
}
