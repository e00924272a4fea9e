package clientimpl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// TokenPlacement says where EditRequest puts the token on a request to another CRM.COM
// method.
//
//   - Header, when set, carries the token on every request.
//   - BodyMember, when set, carries it on POST, PUT and PATCH requests: it becomes a top-level
//     member of the request's JSON object body.
//   - QueryParameter, when set, carries it on every other request (GET, HEAD, DELETE, …), and
//     on POST, PUT and PATCH too when BodyMember is empty.
//
// A request that the placement gives no place at all (a GET when only BodyMember is set) is
// an error from EditRequest, never a request sent without the token.
type TokenPlacement struct {
	// Header is the request header that carries the token; empty puts it in no header.
	Header string
	// Scheme, when set, goes before the token in Header: "Bearer" sends "Bearer <token>".
	// Empty sends the bare token.
	Scheme string
	// QueryParameter is the query parameter that carries the token; empty puts it in none.
	// Other parameters are kept as they are; one of the same name is replaced.
	QueryParameter string
	// BodyMember is the member of a JSON object body that carries the token on POST, PUT and
	// PATCH; empty puts it in no body. See EditRequest for the bodies it accepts.
	BodyMember string
}

// DefaultTokenPlacement is CRM.COM's own convention (its Web API introduction page): the
// `token` query parameter on GET (and every other method without a body), and a `token`
// member of the JSON body on POST, PUT and PATCH. The stub's CheckToken accepts the token
// whichever of the two carried it.
var DefaultTokenPlacement = TokenPlacement{QueryParameter: "token", BodyMember: "token"}

// BearerTokenPlacement sends "Authorization: Bearer <token>" on every request, for gateways
// and services in front of CRM.COM that expect it (CRM.COM itself documents no header). The
// stub's token check accepts it too.
var BearerTokenPlacement = TokenPlacement{Header: "Authorization", Scheme: "Bearer"}

// WithTokenPlacement changes where EditRequest puts the token (default DefaultTokenPlacement):
// BearerTokenPlacement, TokenPlacement{QueryParameter: "token"} for the query parameter on
// every method, or any other combination.
func WithTokenPlacement(p TokenPlacement) SourceOption {
	return func(s *TokenSource) error {
		if p.Header == "" && p.QueryParameter == "" && p.BodyMember == "" {
			return errors.New("WithTokenPlacement: none of Header, QueryParameter and BodyMember is set")
		}
		if p.Scheme != "" && p.Header == "" {
			return errors.New("WithTokenPlacement: Scheme is set without Header")
		}
		s.placement = p
		return nil
	}
}

// EditRequest puts a current token on req, where the source's TokenPlacement says (by
// default CRM.COM's: the `token` query parameter on GET, HEAD and DELETE, a `token` member of
// the JSON body on POST, PUT and PATCH). Its type fits the RequestEditorFn of every
// oapi-codegen client, this module's gen and the generated clients of other CRM.COM methods
// alike; those clients build the body before they call their editors, so the token goes into
// the body they send:
//
//	api, err := othercrm.NewClientWithResponses(baseURL, othercrm.WithRequestEditorFn(source.EditRequest))
//
// A body that gets the token must be a JSON object with a JSON Content-Type
// (application/json or any +json type). The token is added as its last member, every other
// byte of the body kept; a member of the same name is given the token as its value instead, so
// there are never two. An empty body (none, or only white space) becomes {"token":"…"}, and gets
// Content-Type application/json when it has none: a CRM.COM method called with POST takes its
// token in the body, whatever else it takes. ContentLength and GetBody are set for the new
// body, so a redirect or a retry of the transport sends it again. Anything else — an array, a
// string or another scalar, invalid JSON (a duplicate member name included), another content
// type — is an error that matches ErrTokenPlacement, and the request is not to be sent.
//
// When the other method refuses the token (401), call Invalidate or InvalidateToken.
func (s *TokenSource) EditRequest(ctx context.Context, req *http.Request) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	return s.placement.put(req, tok.Value)
}

// put edits req only once it knows the whole edit works, so a refused request is left as it
// was (bar a body it had to read, which it puts back).
func (p TokenPlacement) put(req *http.Request, token string) error {
	switch {
	case p.BodyMember != "" && hasBody(req.Method):
		if err := p.putInBody(req, token); err != nil {
			return err
		}
	case p.QueryParameter != "":
		setQueryParameter(req.URL, p.QueryParameter, token)
	case p.Header == "":
		return fmt.Errorf("%w: the placement has no place for the token on a %s request", ErrTokenPlacement, req.Method)
	}
	if p.Header != "" {
		v := token
		if p.Scheme != "" {
			v = p.Scheme + " " + token
		}
		req.Header.Set(p.Header, v)
	}
	return nil
}

// hasBody reports whether CRM.COM's convention puts the token in method's body.
func hasBody(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return true
	}
	return false
}

// setQueryParameter sets name to value in u's query, leaving every other parameter byte for
// byte (url.Values.Encode would re-sort and re-escape them).
func setQueryParameter(u *url.URL, name, value string) {
	var kept []string
	if u.RawQuery != "" {
		for _, p := range strings.Split(u.RawQuery, "&") {
			k, _, _ := strings.Cut(p, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if p != "" && k != name {
				kept = append(kept, p)
			}
		}
	}
	u.RawQuery = strings.Join(append(kept, url.QueryEscape(name)+"="+url.QueryEscape(value)), "&")
}

func (p TokenPlacement) putInBody(req *http.Request, token string) error {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return fmt.Errorf("%w: reading the request body: %w", ErrTokenPlacement, err)
		}
		body = b
	}
	contentType := req.Header.Get("Content-Type")
	refuse := func(why string) error {
		if body != nil {
			setBody(req, body) // what was read is put back
		}
		return fmt.Errorf("%w: %s %s: %s", ErrTokenPlacement, req.Method, req.URL.Path, why)
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case contentType != "" && !isJSONMediaType(mediaType):
		return refuse(fmt.Sprintf("the body's content type is %q, not JSON", contentType))
	case len(bytes.TrimSpace(body)) == 0:
		b, err := withMember([]byte("{}"), p.BodyMember, token)
		if err != nil {
			return refuse(err.Error())
		}
		if contentType == "" {
			req.Header.Set("Content-Type", "application/json")
		}
		setBody(req, b)
		return nil
	case contentType == "":
		return refuse("the body has no Content-Type; want application/json")
	}
	b, err := withMember(body, p.BodyMember, token)
	if err != nil {
		return refuse(err.Error())
	}
	setBody(req, b)
	return nil
}

// setBody makes b the body of req, with its length, and a GetBody that net/http calls to send
// it again after a redirect or on a retried connection.
func setBody(req *http.Request, b []byte) {
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.ContentLength = int64(len(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.TransferEncoding = nil
	req.Header.Del("Content-Length")
}

// withMember returns the JSON object body with a top-level member name whose value is the
// string value: the one already there gets the new value in place, or the member is added
// after the last one. Every other byte of body is kept. jsontext is strict (RFC 8259, UTF-8,
// no duplicate names), as the stub is. Errors never quote the body, which may hold secrets.
func withMember(body []byte, name, value string) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	invalid := func() error {
		return fmt.Errorf("the body is not valid JSON (near byte %d)", dec.InputOffset())
	}
	open, err := dec.ReadToken()
	if err != nil {
		return nil, invalid()
	}
	if open.Kind() != '{' {
		return nil, fmt.Errorf("the body is a JSON %s, not an object", kindName(open.Kind()))
	}
	// insertAt is where a new member goes: after the last member, or after '{'.
	insertAt, members := dec.InputOffset(), 0
	valueStart, valueEnd := int64(-1), int64(-1)
	for {
		t, err := dec.ReadToken()
		if err != nil {
			return nil, invalid()
		}
		if t.Kind() == '}' {
			break
		}
		isName := t.String() == name
		v, err := dec.ReadValue()
		if err != nil {
			return nil, invalid()
		}
		insertAt, members = dec.InputOffset(), members+1
		if isName {
			valueStart, valueEnd = insertAt-int64(len(v)), insertAt
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("the body has more after its JSON object")
	}
	quoted, err := jsontext.AppendQuote(nil, value)
	if err != nil {
		return nil, errors.New("the token is not valid UTF-8")
	}
	out := make([]byte, 0, len(body)+len(name)+len(quoted)+4)
	if valueStart >= 0 {
		out = append(append(append(out, body[:valueStart]...), quoted...), body[valueEnd:]...)
		return out, nil
	}
	out = append(out, body[:insertAt]...)
	if members > 0 {
		out = append(out, ',')
	}
	out, err = jsontext.AppendQuote(out, name)
	if err != nil {
		return nil, errors.New("the member name is not valid UTF-8")
	}
	out = append(append(append(out, ':'), quoted...), body[insertAt:]...)
	return out, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value"
}
