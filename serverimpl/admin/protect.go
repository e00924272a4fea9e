package admin

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
)

// remoteRefused is protected mode's answer: what to do, in the one line a developer reads.
const remoteRefused = "the administration routes answer only loopback without an admin token: " +
	"start the stub with --admin-token (CRMAUTH_ADMIN_TOKEN) and send Authorization: Bearer <admin token>, " +
	"or with --admin-allow-remote (CRMAUTH_ADMIN_ALLOW_REMOTE=true) to open them to every host"

// Access says who may call the routes a Config describes, for the stub's start-up line:
// "token" (anyone with the admin token), "loopback" (protected mode: no token, loopback peers
// only) or "any" (no token, every host: Config.AllowRemote).
func (cfg Config) Access() string {
	switch {
	case cfg.Token != "":
		return "token"
	case cfg.AllowRemote:
		return "any"
	}
	return "loopback"
}

// protect is protected mode, as Redis has it: with no admin token, a request whose peer is
// not a loopback address is refused (403), so a stub listening on every interface (in a
// container, say) does not hand its journal, sessions and clock to whoever reaches its port,
// nor to any web page, CORS being open. The peer is the connection's address, never a
// forwarding header: a proxy on the same host makes every request loopback, and is the
// proxy's to guard.
func (a *Admin) protect(next echo.HandlerFunc) echo.HandlerFunc {
	if a.cfg.Access() != "loopback" {
		return next
	}
	return func(c echo.Context) error {
		if fromLoopback(c.Request().RemoteAddr) {
			return next(c)
		}
		return c.JSON(http.StatusForbidden, failure(adminapi.ErrorCodeInvalidToken, remoteRefused))
	}
}

// fromLoopback reports whether a request's RemoteAddr is a loopback peer (127.0.0.0/8, ::1,
// ::ffff:127.x). An empty one is no network peer at all but a call in the same process
// (ServeHTTP from Go, as in-process tests and testing/synctest make it): net/http's server
// always sets it.
func fromLoopback(remoteAddr string) bool {
	if remoteAddr == "" {
		return true
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
