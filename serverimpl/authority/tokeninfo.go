package authority

import "time"

// TokenInfo is what a live token says about its holder (its claims).
type TokenInfo struct {
	SessionID          string // the jti claim
	Username           string // usr
	Organisation       string // org
	Unit               string // oun
	Contact            string // cii; consumer tokens only
	AccountsReceivable string // ari; consumer tokens only
	IssuedAt           time.Time
	ExpiresAt          time.Time // the exp claim; a login token's use moves its real end later
}

// Consumer reports whether the token came from authentication/consumer_application_key/token
// and so may reach only that consumer's data.
func (t TokenInfo) Consumer() bool { return t.Contact != "" }

func tokenInfo(c *claims) TokenInfo {
	return TokenInfo{
		SessionID:          c.ID,
		Username:           c.Username,
		Organisation:       c.Organisation,
		Unit:               c.Unit,
		Contact:            c.Contact,
		AccountsReceivable: c.AccountsReceivable,
		IssuedAt:           c.IssuedAt.time(),
		ExpiresAt:          c.ExpiresAt.time(),
	}
}
