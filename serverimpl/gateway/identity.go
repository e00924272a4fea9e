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
//
// The values share one array, where Header.Set allocates one slice each (four or six
// allocations per proxied call). Each value's slice is capped at its length, so a later Add
// to one header grows its own copy instead of writing over the next header's value. The
// names are canonical already, as Set would make them.
func setIdentity(h http.Header, info httpstub.TokenInfo) {
	n := 4
	if info.Consumer() {
		n = 6
	}
	v := make([]string, n)
	v[0], v[1], v[2], v[3] = info.SessionID, info.Username, info.Organisation, info.Unit
	h[HeaderSession], h[HeaderUser], h[HeaderOrganisation], h[HeaderUnit] = v[0:1:1], v[1:2:2], v[2:3:3], v[3:4:4]
	if info.Consumer() {
		v[4], v[5] = info.Contact, info.AccountsReceivable
		h[HeaderContact], h[HeaderAccountsReceivable] = v[4:5:5], v[5:6:6]
	}
}
