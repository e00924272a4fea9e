package clientimpl

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

func jsonAnswer(status int, body string) answer {
	return answer{status: status, mediaType: "application/json", body: []byte(body)}
}

func envelope(code gen.ErrorCode, message string) string {
	return `{"data":null,"status":{"code":"` + string(code) + `","description":"d","message":"` + message + `"}}`
}

// Every code of the spec's catalogue maps to its sentinel, keeps status, code, description and
// message, and is temporary exactly when the spec says the request may be retried.
func TestRefusalMapsEveryErrorCode(t *testing.T) {
	for _, tc := range []struct {
		code      gen.ErrorCode
		status    int
		sentinel  error
		temporary bool
	}{
		{gen.ErrorCodeInvalidRequest, 400, ErrInvalidRequest, false},
		{gen.ErrorCodeInvalidCredentials, 401, ErrInvalidCredentials, false},
		{gen.ErrorCodeInvalidKey, 401, ErrInvalidKey, false},
		{gen.ErrorCodeInvalidAccessTokenIdentifier, 401, ErrInvalidAccessTokenIdentifier, false},
		{gen.ErrorCodeInvalidToken, 401, ErrInvalidToken, false},
		{gen.ErrorCodeTokenExpired, 401, ErrTokenExpired, false},
		{gen.ErrorCodeUnitNotAllowed, 403, ErrUnitNotAllowed, false},
		{gen.ErrorCodeNotFound, 404, nil, false},
		{gen.ErrorCodeMethodNotAllowed, 405, nil, false},
		{gen.ErrorCodePayloadTooLarge, 413, nil, false},
		{gen.ErrorCodeUnsupportedMediaType, 415, nil, false},
		{gen.ErrorCodeTooManyRequests, 429, ErrThrottled, true},
		{gen.ErrorCodeInternalError, 500, ErrServerError, true},
		{gen.ErrorCodeServiceUnavailable, 503, ErrServiceUnavailable, true},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			a := jsonAnswer(tc.status, envelope(tc.code, "what went wrong"))
			a.retryAfter = 7 * time.Second
			_, err := tokenAnswer(opLogin, a)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.HTTPStatus != tc.status || apiErr.Code != tc.code || apiErr.Description != "d" ||
				apiErr.Message != "what went wrong" || apiErr.Operation != opLogin || apiErr.RetryAfter != 7*time.Second {
				t.Errorf("APIError = %+v", apiErr)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tc.sentinel)
			}
			for _, other := range []error{ErrInvalidCredentials, ErrInvalidKey, ErrInvalidToken, ErrTokenExpired, ErrUnitNotAllowed} {
				if other != tc.sentinel && errors.Is(err, other) {
					t.Errorf("errors.Is(err, %v) = true for %s", other, tc.code)
				}
			}
			if got := errors.Is(err, ErrTemporary); got != tc.temporary {
				t.Errorf("errors.Is(err, ErrTemporary) = %v, want %v", got, tc.temporary)
			}
			if errors.Is(err, ErrTransport) || errors.Is(err, ErrUnexpectedResponse) {
				t.Errorf("a refusal in the envelope matches ErrTransport or ErrUnexpectedResponse: %v", err)
			}
			if !strings.Contains(err.Error(), string(tc.code)) || !strings.Contains(err.Error(), "what went wrong") {
				t.Errorf("Error() = %q, want the code and the message", err)
			}
		})
	}
}

// A refusal outside the envelope (a proxy's HTML page) still tells outage from refusal.
func TestRefusalWithoutEnvelope(t *testing.T) {
	a := answer{status: http.StatusBadGateway, mediaType: "text/html", body: []byte("<html>bad gateway</html>")}
	_, err := tokenAnswer(opWebAPI, a)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "" || apiErr.HTTPStatus != 502 {
		t.Fatalf("err = %#v", err)
	}
	for _, want := range []error{ErrServerError, ErrTemporary, ErrUnexpectedResponse} {
		if !errors.Is(err, want) {
			t.Errorf("errors.Is(err, %v) = false", want)
		}
	}
	a = answer{status: http.StatusNotFound, mediaType: "text/plain", body: []byte("404 page not found")}
	_, err = tokenAnswer(opWebAPI, a)
	if !errors.Is(err, ErrUnexpectedResponse) || errors.Is(err, ErrTemporary) {
		t.Errorf("404 text: err = %v; want unexpected, not temporary", err)
	}
}

// A 200 whose status.code is an error code is a refusal, not a token.
func TestOKStatusWithErrorCodeIsARefusal(t *testing.T) {
	_, err := tokenAnswer(opLogin, jsonAnswer(200, envelope(gen.ErrorCodeInvalidCredentials, "login failed")))
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("err = %v, want ErrInvalidCredentials", err)
	}
}

// Answers that do not match the spec are errors, never a zero-value token.
func TestTokenAnswerRefusesWhatDoesNotMatchTheSpec(t *testing.T) {
	good := `{"data":{"token":"` + vendorToken + `"},"status":{"code":"OK","description":"","message":""}}`
	for name, a := range map[string]answer{
		"text/html 200":     {status: 200, mediaType: "text/html", body: []byte(good)},
		"no content type":   {status: 200, body: []byte(good)},
		"204 no content":    {status: 204},
		"not JSON":          jsonAnswer(200, `<html>`),
		"no status":         jsonAnswer(200, `{"data":{"token":"`+vendorToken+`"}}`),
		"no data":           jsonAnswer(200, `{"status":{"code":"OK"}}`),
		"data null":         jsonAnswer(200, `{"data":null,"status":{"code":"OK"}}`),
		"no token":          jsonAnswer(200, `{"data":{},"status":{"code":"OK"}}`),
		"token null":        jsonAnswer(200, `{"data":{"token":null},"status":{"code":"OK"}}`),
		"empty token":       jsonAnswer(200, `{"data":{"token":""},"status":{"code":"OK"}}`),
		"numeric token":     jsonAnswer(200, `{"data":{"token":12345},"status":{"code":"OK"}}`),
		"32-hex token":      jsonAnswer(200, `{"data":{"token":"4AD9C84FA60F9FE407140E20F707726A"},"status":{"code":"OK"}}`),
		"JWT without exp":   jsonAnswer(200, `{"data":{"token":"`+jwtWith(`{"usr":"jdoe"}`)+`"},"status":{"code":"OK"}}`),
		"array body":        jsonAnswer(200, `[]`),
		"status not object": jsonAnswer(200, `{"data":{"token":"`+vendorToken+`"},"status":"OK"}`),
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := tokenAnswer(opLogin, a)
			if err == nil {
				t.Fatalf("accepted: %+v", tok)
			}
			if tok != (Token{}) {
				t.Errorf("returned a token with the error: %+v", tok)
			}
			var respErr *ResponseError
			if !errors.As(err, &respErr) || !errors.Is(err, ErrUnexpectedResponse) {
				t.Errorf("err = %v (%T), want *ResponseError", err, err)
			}
			if errors.Is(err, ErrTemporary) {
				t.Errorf("a malformed success is not temporary: %v", err)
			}
			if strings.Contains(err.Error(), vendorToken) {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}

	tok, err := tokenAnswer(opLogin, answer{status: 200, mediaType: "application/json", body: []byte(good)})
	if err != nil || tok.Value != vendorToken {
		t.Fatalf("the spec's own answer: tok=%v err=%v", tok, err)
	}
	// CRM.COM's own examples send null description and message.
	_, err = tokenAnswer(opLogin, jsonAnswer(200, `{"status":{"code":"OK","message":null,"description":null},"data":{"token":"`+vendorToken+`"}}`))
	if err != nil {
		t.Fatalf("null description/message: %v", err)
	}
}

func TestReadAnswerBoundsTheBody(t *testing.T) {
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body: readCloser{strings.NewReader(strings.Repeat(" ", maxAnswerBytes+10))}}
	_, err := readAnswer(opLogin, resp, time.Now())
	if !errors.Is(err, ErrUnexpectedResponse) {
		t.Fatalf("err = %v, want ErrUnexpectedResponse for an oversized answer", err)
	}
	resp = &http.Response{StatusCode: 429, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Retry-After": {"12"}},
		Body: readCloser{strings.NewReader("{}")}}
	a, err := readAnswer(opLogin, resp, time.Now())
	if err != nil || a.mediaType != "application/json" || a.retryAfter != 12*time.Second {
		t.Fatalf("answer = %+v, err = %v", a, err)
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
