package gateway

import (
	"net/http"
	"strings"

	"github.com/crmcom-community/crmauth/serverimpl/httpstub"
)

// The identity headers the upstream (Gateway) or the calling gateway (ForwardAuth) receives
// for a live token: its session ID (jti), user, organisation and unit, and a consumer token's
// contact and accounts receivable identifiers.
const (
	HeaderSession            = "X-Crmauth-Session"
	HeaderUser               = "X-Crmauth-User"
	HeaderOrganisation       = "X-Crmauth-Organisation"
	HeaderUnit               = "X-Crmauth-Unit"
	HeaderContact            = "X-Crmauth-Contact"             // consumer tokens only
	HeaderAccountsReceivable = "X-Crmauth-Accounts-Receivable" // consumer tokens only
)

// identityPrefix is what every identity header starts with (canonical form). Any header with
// it arriving from a client is dropped, not only the ones set today.
const identityPrefix = "X-Crmauth-"

// IdentityHeaders are the identity headers' names, for Access-Control-Expose-Headers.
var IdentityHeaders = []string{HeaderSession, HeaderUser, HeaderOrganisation, HeaderUnit, HeaderContact, HeaderAccountsReceivable}

// dropIdentity removes every X-Crmauth-* header, however it was spelt: http.Header keys
// arrive canonical from net/http's server, but a header map built by hand may hold others.
func dropIdentity(h http.Header) {
	for k := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), identityPrefix) {
			delete(h, k)
		}
	}
}

// setIdentity writes info's identity headers.
func setIdentity(h http.Header, info httpstub.TokenInfo) {
	h.Set(HeaderSession, info.SessionID)
	h.Set(HeaderUser, info.Username)
	h.Set(HeaderOrganisation, info.Organisation)
	h.Set(HeaderUnit, info.Unit)
	if info.Consumer() {
		h.Set(HeaderContact, info.Contact)
		h.Set(HeaderAccountsReceivable, info.AccountsReceivable)
	}
}
