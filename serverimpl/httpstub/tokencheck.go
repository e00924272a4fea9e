package httpstub

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// TokenInfo is what a live token says about its holder (its claims).
type TokenInfo = authority.TokenInfo

// TokenError is why a token check refused a request. Code is gen.ErrorCodeInvalidToken
// (missing, malformed, forged, unknown, released) or gen.ErrorCodeTokenExpired for a token;
// the request checks (CheckRequest, RequireToken, RequireTokenHandler) also answer
// gen.ErrorCodeInvalidRequest (two different tokens, a token member that is not a string) and
// gen.ErrorCodePayloadTooLarge (a JSON body over MaxTokenBodyBytes).
type TokenError struct {
	Code    gen.ErrorCode
	Message string // status.message of the answer the stub gives
	// Reason is why, in the fuller words the journal keeps (which session, whose, since when);
	// never a secret. It may say more than Message: the suite, not the app, reads it.
	Reason string
}

func (e *TokenError) Error() string { return string(e.Code) + ": " + e.Message }

// HTTPStatus is the status the stub answers the error with (401 for a token, 400, 413).
func (e *TokenError) HTTPStatus() int { return httpStatus[e.Code] }

// CheckToken accepts only a live, unreleased token signed by this stub with HS256, and counts
// as a use of it: a login token's hour of idle time starts again. CheckRequest finds the token
// in a request first.
func (s *Stack) CheckToken(token string) (TokenInfo, error) {
	info, _, f := s.authority.Check(context.Background(), token)
	if f != nil {
		return TokenInfo{}, &TokenError{Code: codeOf(f), Message: f.Message, Reason: f.Why()}
	}
	return info, nil
}

// CheckRequest is the token rule every token check of the stub follows (RequireToken,
// RequireTokenHandler, package gateway's gateway and forward auth): it finds the request's
// token (see TokenFromRequest for where, and in which order), then checks it as CheckToken
// does, which counts as a use. The request's body, if it was read, is left to be read again
// byte for byte. The error is a *TokenError.
func (s *Stack) CheckRequest(r *http.Request) (TokenInfo, error) {
	info, f := s.checkRequest(r)
	if f != nil {
		return TokenInfo{}, &TokenError{Code: codeOf(f), Message: f.Message, Reason: f.Why()}
	}
	return info, nil
}

func (s *Stack) checkRequest(r *http.Request) (TokenInfo, *failure) {
	token, f := tokenFromRequest(r)
	if f != nil {
		return TokenInfo{}, f
	}
	info, holder, f := s.authority.Check(r.Context(), token)
	x := exchangeFrom(r.Context())
	if holder != nil {
		x.holder = holder
	}
	if f != nil {
		return TokenInfo{}, f
	}
	if id, ok := sessions.ParseID(info.SessionID); ok {
		x.session, x.hasSession = id, true
	}
	return info, nil
}

type tokenInfoKey struct{}

// TokenInfoFrom returns the token RequireToken or RequireTokenHandler accepted for this
// request. Strict handlers get it from their context.Context, Echo handlers from
// c.Request().Context().
func TokenInfoFrom(ctx context.Context) (TokenInfo, bool) {
	info, ok := ctx.Value(tokenInfoKey{}).(TokenInfo)
	return info, ok
}

// WithTokenInfo returns ctx carrying info, as the token checks put it for TokenInfoFrom.
func WithTokenInfo(ctx context.Context, info TokenInfo) context.Context {
	return context.WithValue(ctx, tokenInfoKey{}, info)
}

// withTokenInfo is r with info as its accepted token (TokenInfoFrom). A request whose context
// is still the exchange context the stub's request log gave it keeps the token there, and the
// exchange context answers TokenInfoFrom as a context made by WithTokenInfo on top of it
// would: the token's one allocation instead of a context, the boxed token and a request copy
// per checked call. Any other request (a context made on top of the exchange's, or none) gets
// a new context.
func withTokenInfo(r *http.Request, info TokenInfo) *http.Request {
	if xc, ok := r.Context().(*exchangeContext); ok {
		token := info // moved to the heap here, on this path only
		xc.token = &token
		return r
	}
	return r.WithContext(WithTokenInfo(r.Context(), info))
}

// RequireToken is Echo middleware for any route that needs a token, following the token rule
// (CheckRequest). A refused request is answered in the envelope: 401 INVALID_TOKEN or
// TOKEN_EXPIRED with a Bearer challenge, 400 INVALID_REQUEST for two different tokens, 413 for
// a JSON body over MaxTokenBodyBytes. An accepted token is in the request's context
// (TokenInfoFrom). RequireTokenHandler is the same for net/http.
func (s *Stack) RequireToken() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			info, f := s.checkRequest(r)
			if f != nil {
				bearerChallenge(c.Response().Header(), f)
				return f
			}
			c.SetRequest(withTokenInfo(r, info))
			return next(c)
		}
	}
}

// bearerChallenge sets the Bearer challenge of RFC 6750 on a refusal: with no error attribute when
// the request had no token at all (section 3.1), invalid_request on 400.
func bearerChallenge(h http.Header, f *failure) {
	switch {
	case codeOf(f) == gen.ErrorCodeInvalidRequest:
		h.Set("WWW-Authenticate", `Bearer realm="crmauth", error="invalid_request"`)
	case statusOf(f) != http.StatusUnauthorized:
	case f.Message == noTokenMessage:
		h.Set("WWW-Authenticate", `Bearer realm="crmauth"`)
	default:
		h.Set("WWW-Authenticate", `Bearer realm="crmauth", error="invalid_token"`)
	}
}
