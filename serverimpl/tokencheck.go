package serverimpl

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

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

// TokenError is why CheckToken refused a token: Code is gen.ErrorCodeInvalidToken (malformed,
// forged, unknown, released) or gen.ErrorCodeTokenExpired.
type TokenError struct {
	Code    gen.ErrorCode
	Message string
}

func (e *TokenError) Error() string { return string(e.Code) + ": " + e.Message }

// CheckToken accepts only a live, unreleased token signed by this stub with HS256, and counts
// as a use of it: a login token's hour of idle time starts again. Methods added to the spec
// later call it with the token their request carries (for CRM.COM, a `token` member or
// parameter); RequireToken does it for a whole route.
func (s *Stub) CheckToken(token string) (TokenInfo, error) {
	info, f := s.authority.check(context.Background(), token)
	if f != nil {
		return TokenInfo{}, &TokenError{Code: f.code, Message: f.message}
	}
	return info, nil
}

type tokenInfoKey struct{}

// TokenInfoFrom returns the token RequireToken accepted for this request. Strict handlers get
// it from their context.Context, Echo handlers from c.Request().Context().
func TokenInfoFrom(ctx context.Context) (TokenInfo, bool) {
	info, ok := ctx.Value(tokenInfoKey{}).(TokenInfo)
	return info, ok
}

// RequireToken is Echo middleware for any route that needs a token. The token is taken from
// `Authorization: Bearer <token>`, or else from the `token` query parameter (CRM.COM's other
// methods name it `token`); a token in a JSON body is the route's own to read and pass to
// CheckToken. A refused token is answered 401 in the envelope (INVALID_TOKEN or
// TOKEN_EXPIRED) with a Bearer challenge; an accepted one is in the request's context
// (TokenInfoFrom).
func (s *Stub) RequireToken() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			token := bearerToken(r)
			if token == "" {
				return s.refuseToken(c, fail(gen.ErrorCodeInvalidToken, "no token: send Authorization: Bearer <token> or the token parameter"))
			}
			info, f := s.authority.check(r.Context(), token)
			if f != nil {
				return s.refuseToken(c, f)
			}
			x := exchangeFrom(r.Context())
			if id, ok := sessions.ParseID(info.SessionID); ok {
				x.session, x.hasSession = id, true
			}
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), tokenInfoKey{}, info)))
			return next(c)
		}
	}
}

func (s *Stub) refuseToken(c echo.Context, f *failure) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="crmauth", error="invalid_token"`)
	return f
}

func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
	}
	return r.URL.Query().Get("token")
}
