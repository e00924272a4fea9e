package clientimpl

import (
	"context"
	"errors"
	"net/http"
)

// TokenPlacement says where EditRequest puts the token on a request to another CRM.COM
// method. Set Header, QueryParameter, or both.
type TokenPlacement struct {
	// Header is the request header that carries the token; empty puts it in no header.
	Header string
	// Scheme, when set, goes before the token in Header: "Bearer" sends "Bearer <token>".
	// Empty sends the bare token.
	Scheme string
	// QueryParameter is the query parameter that carries the token; empty puts it in none.
	QueryParameter string
}

// DefaultTokenPlacement is "Authorization: Bearer <token>", what the stub's token check
// (serverimpl) accepts.
var DefaultTokenPlacement = TokenPlacement{Header: "Authorization", Scheme: "Bearer"}

// WithTokenPlacement changes where EditRequest puts the token (default DefaultTokenPlacement),
// for CRM.COM installations or gateways that expect it elsewhere.
func WithTokenPlacement(p TokenPlacement) SourceOption {
	return func(s *TokenSource) error {
		if p.Header == "" && p.QueryParameter == "" {
			return errors.New("WithTokenPlacement: neither Header nor QueryParameter is set")
		}
		s.placement = p
		return nil
	}
}

// EditRequest puts a current token on req, where the source's TokenPlacement says. Its type
// fits the RequestEditorFn of every oapi-codegen client, this module's gen and the generated
// clients of other CRM.COM methods alike:
//
//	api, err := othercrm.NewClientWithResponses(baseURL, othercrm.WithRequestEditorFn(source.EditRequest))
//
// When the other method refuses the token (401), call Invalidate or InvalidateToken.
func (s *TokenSource) EditRequest(ctx context.Context, req *http.Request) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	s.placement.put(req, tok.Value)
	return nil
}

func (p TokenPlacement) put(req *http.Request, token string) {
	if p.Header != "" {
		v := token
		if p.Scheme != "" {
			v = p.Scheme + " " + token
		}
		req.Header.Set(p.Header, v)
	}
	if p.QueryParameter != "" {
		q := req.URL.Query()
		q.Set(p.QueryParameter, token)
		req.URL.RawQuery = q.Encode()
	}
}
