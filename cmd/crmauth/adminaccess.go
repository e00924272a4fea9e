package main

import (
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/admin"
)

// adminAccess is who may call the administration routes, for the start-up line: "off" (not
// served), "token" (the admin token), "loopback" (protected mode: no token, loopback peers
// only), "any" (no token, --admin-allow-remote).
func adminAccess(opts serverimpl.Options) string {
	if !opts.Admin {
		return "off"
	}
	return admin.Config{Token: opts.AdminToken, AllowRemote: opts.AdminAllowRemote}.Access()
}
