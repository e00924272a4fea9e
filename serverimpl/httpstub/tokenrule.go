package httpstub

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/crmcom-community/crmauth/gen"
)

// MaxTokenBodyBytes is the largest JSON body the token rule reads for its token member
// (1 MiB); a larger one is answered 413 PAYLOAD_TOO_LARGE.
const MaxTokenBodyBytes = 1 << 20

// noTokenMessage is the refusal of a request with no token anywhere.
const noTokenMessage = "no token was given: send it as the token query parameter (GET methods), " +
	"a token member of the JSON body (POST methods), or an Authorization: Bearer header"

// TokenFromRequest finds the token a request carries, by the rule every token check of the
// stub follows. It looks, in this order, at
//
//  1. the token query parameter (CRM.COM's way for GET methods);
//  2. a top-level token member of a JSON object body (CRM.COM's way for POST methods), read
//     only when the Content-Type is application/json or a +json type, at most
//     MaxTokenBodyBytes; the body is put back, byte for byte, for the next handler, and a body
//     that is not a well-formed JSON object carries no token;
//  3. an Authorization: Bearer header (not CRM.COM's, kept for clients that send one).
//
// Empty values count as absent. The same token in several places is one token; two different
// ones are refused (400 INVALID_REQUEST), and so is a token member that is not a string. No
// token at all is 401 INVALID_TOKEN saying where to put one. The error is a *TokenError.
func TokenFromRequest(r *http.Request) (string, error) {
	token, f := tokenFromRequest(r)
	if f != nil {
		return "", &TokenError{Code: codeOf(f), Message: f.Message, Reason: f.Why()}
	}
	return token, nil
}

func tokenFromRequest(r *http.Request) (string, *failure) {
	var found tokenCandidates
	queryTokens(r.URL, &found)
	if isJSON(r.Header.Get("Content-Type")) && r.Body != nil && r.Body != http.NoBody {
		tokens, f := bodyTokens(r)
		if f != nil {
			return "", f
		}
		for _, v := range tokens {
			found.add(v, "the token member of the body")
		}
	}
	for _, h := range r.Header.Values("Authorization") {
		scheme, v, ok := strings.Cut(strings.TrimSpace(h), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			found.add(strings.TrimSpace(v), "the Authorization header")
		}
	}
	switch {
	case found.conflict != "":
		return "", fail(gen.ErrorCodeInvalidRequest, found.conflict)
	case found.token == "":
		return "", fail(gen.ErrorCodeInvalidToken, noTokenMessage)
	}
	return found.token, nil
}

// queryTokens adds the values of the token query parameter to found, as u.Query()["token"]
// lists them, without building the map of every parameter (three allocations per checked
// request): pairs are split and unescaped as url.ParseQuery does, skipping the same ones. A
// query of more than maxScannedParams pairs is left to u.Query(), which applies Go's bound on
// their number (GODEBUG urlmaxqueryparams). TestQueryTokensMatchURLQuery holds them together.
func queryTokens(u *url.URL, found *tokenCandidates) {
	query := u.RawQuery
	if strings.Count(query, "&") >= maxScannedParams {
		for _, v := range u.Query()["token"] {
			found.add(v, "the token query parameter")
		}
		return
	}
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(key)
		if err != nil || key != "token" {
			continue
		}
		if value, err = url.QueryUnescape(value); err == nil {
			found.add(value, "the token query parameter")
		}
	}
}

// maxScannedParams is how many query parameters queryTokens reads itself.
const maxScannedParams = 64

// tokenCandidates collects the tokens found, keeping the first and noting a different one.
type tokenCandidates struct {
	token, where string
	conflict     string
}

func (c *tokenCandidates) add(token, where string) {
	switch {
	case token == "" || token == c.token:
	case c.token == "":
		c.token, c.where = token, where
	case c.conflict == "":
		c.conflict = fmt.Sprintf("two different tokens: one in %s, another in %s; send one", c.where, where)
	}
}

func isJSON(contentType string) bool {
	switch contentType { // the usual two, without parsing
	case "":
		return false
	case "application/json":
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// bodyTokens reads the whole body (at most MaxTokenBodyBytes), puts it back, and returns the
// string values of its top-level token members.
func bodyTokens(r *http.Request) ([]string, *failure) {
	if r.ContentLength > MaxTokenBodyBytes {
		return nil, tokenBodyTooLarge()
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxTokenBodyBytes+1))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), rest), rest}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, fail(gen.ErrorCodePayloadTooLarge, fmt.Sprintf("request body is over %d bytes", tooLarge.Limit))
	case err != nil:
		return nil, fail(gen.ErrorCodeInvalidRequest, "request body could not be read")
	case len(data) > MaxTokenBodyBytes:
		return nil, tokenBodyTooLarge()
	}
	return topLevelTokens(data)
}

func tokenBodyTooLarge() *failure {
	return fail(gen.ErrorCodePayloadTooLarge, fmt.Sprintf("a JSON body is read for its token up to %d bytes; this one is larger", MaxTokenBodyBytes))
}

// topLevelTokens walks a JSON object's top-level members for token. Duplicate names are
// allowed here so that two token members are seen (and judged) rather than refused unread.
func topLevelTokens(data []byte) ([]string, *failure) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return nil, nil
	}
	var tokens []string
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, nil
		}
		if name.String() != "token" {
			if err := dec.SkipValue(); err != nil {
				return nil, nil
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil, nil
		}
		if v.Kind() != '"' {
			return nil, fail(gen.ErrorCodeInvalidRequest, "the body's token member must be a string")
		}
		t, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return nil, nil
		}
		tokens = append(tokens, string(t))
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return nil, nil
	}
	if _, err := dec.ReadToken(); err != io.EOF { // nothing after the object
		return nil, nil
	}
	return tokens, nil
}
