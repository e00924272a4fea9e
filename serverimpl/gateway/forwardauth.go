package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
)

// CheckPath is forward auth's route, outside CRM.COM's base path like the other admin routes.
const CheckPath = "/_crmauth/check"

// The headers that carry the original request's URI to a forward auth check.
const (
	HeaderOriginalURI  = "X-Original-URI"  // nginx, as auth_request is configured to send it
	HeaderForwardedURI = "X-Forwarded-Uri" // Traefik's ForwardAuth
)

// ForwardAuth is a httpstub.Extension mounting the token check for another gateway at
// CheckPath, for any HTTP method (nginx's auth_request subrequest, Traefik's ForwardAuth, a
// browser's fetch). The token is found by the token rule (httpstub.TokenFromRequest) in the
// check's own request (its query, an Authorization header the gateway passes on), and in the
// token query parameter of the original request's URI (HeaderOriginalURI, HeaderForwardedURI).
// A live token is answered 200 with the identity headers (IdentityHeaders, readable by
// scripts under CORS); any other 401 (or 400 for two different tokens) in the envelope.
// A token in the original request's body is out of its reach: gateways send none.
type ForwardAuth struct{}

var _ httpstub.Extension = ForwardAuth{}

// Extend mounts CheckPath.
func (ForwardAuth) Extend(s *httpstub.Stack) (http.Handler, error) {
	check := s.RequireTokenHandler(http.HandlerFunc(allowed))
	s.Echo().Any(CheckPath, echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exposeIdentity(w.Header())
		check.ServeHTTP(w, withOriginalToken(r))
	})))
	return nil, nil
}

// withOriginalToken adds the original URI's token parameters to the check's own query, so the
// token rule sees every token the two carry (and refuses two different ones).
func withOriginalToken(r *http.Request) *http.Request {
	var tokens []string
	for _, name := range []string{HeaderOriginalURI, HeaderForwardedURI} {
		for _, v := range r.Header.Values(name) {
			if u, err := url.ParseRequestURI(v); err == nil {
				tokens = append(tokens, u.Query()["token"]...)
			}
		}
	}
	if len(tokens) == 0 {
		return r
	}
	q := r.URL.Query()
	q["token"] = append(q["token"], tokens...)
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	return r2
}

// exposeIdentity lets a script read the identity headers of a cross-origin answer: the
// stub's CORS has already set its own list when the origin is allowed.
func exposeIdentity(h http.Header) {
	if h.Get("Access-Control-Allow-Origin") == "" {
		return
	}
	exposed := append(h.Values("Access-Control-Expose-Headers"), IdentityHeaders...)
	h.Set("Access-Control-Expose-Headers", strings.Join(exposed, ", "))
}

// checkData is the check's answer data: the same identity as the headers.
type checkData struct {
	Session            string `json:"session"`
	User               string `json:"user"`
	Organisation       string `json:"organisation"`
	Unit               string `json:"unit"`
	Contact            string `json:"contact,omitempty"`
	AccountsReceivable string `json:"accounts_receivable,omitempty"`
}

func allowed(w http.ResponseWriter, r *http.Request) {
	info, _ := httpstub.TokenInfoFrom(r.Context())
	setIdentity(w.Header(), info)
	data, _ := json.Marshal(struct {
		Data   checkData    `json:"data"`
		Status gen.OKStatus `json:"status"`
	}{
		Data: checkData{
			Session: info.SessionID, User: info.Username, Organisation: info.Organisation, Unit: info.Unit,
			Contact: info.Contact, AccountsReceivable: info.AccountsReceivable,
		},
		Status: gen.OKStatus{Code: gen.OK},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(data, '\n'))
}
