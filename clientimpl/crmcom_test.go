package clientimpl_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/gen"
)

// crmcom stands for the real CRM.COM, which the tests cannot reach: it answers every request
// with the same bytes, in the shape of the vendor's documented answers. The stub never answers
// this way (a 200 that is a refusal, release's "data": {}), and CRM.COM documents no error
// answers at all, so only such a server can show what the client does with them. It is not a
// fake of anything a user runs here; the client's answers from the stub are tested elsewhere.
type crmcom struct {
	URL      string
	requests atomic.Int32
}

func startCRMCOM(t *testing.T, status int, contentType, body string) *crmcom {
	t.Helper()
	c := &crmcom{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// fourMethods calls each of the four methods with c and returns their errors by name.
func fourMethods(c *clientimpl.Client) map[string]error {
	ctx := context.Background()
	_, login := c.Login(ctx, jdoe)
	_, web := c.WebAPIKeyToken(ctx, webAPIKey)
	_, cons := c.ConsumerApplicationKeyToken(ctx, consumer)
	return map[string]error{
		"authentication/token":                          login,
		"authentication/web_api_key/token":              web,
		"authentication/consumer_application_key/token": cons,
		"authentication/token/release":                  c.ReleaseToken(ctx, someToken),
	}
}

// The vendor's envelope, as its example answers order it (status first).
func vendorEnvelope(code, message string) string {
	return `{"status":{"message":"` + message + `","description":"","code":"` + code + `"},"data":null}`
}

// An answer whose status.code is not OK is an *APIError carrying that code, whatever its HTTP
// status and content type, from each of the four methods; errors.Is works by the code; a code
// this package does not know matches no code sentinel but is still an *APIError (and those
// its HTTP status gives: a 5xx is ErrServerError and retried).
func TestNonOKCodeIsARefusalWhateverTheHTTPStatus(t *testing.T) {
	codeSentinels := []error{clientimpl.ErrInvalidRequest, clientimpl.ErrInvalidCredentials, clientimpl.ErrInvalidKey,
		clientimpl.ErrInvalidAccessTokenIdentifier, clientimpl.ErrInvalidToken, clientimpl.ErrTokenExpired,
		clientimpl.ErrUnitNotAllowed, clientimpl.ErrThrottled, clientimpl.ErrServiceUnavailable, clientimpl.ErrServerError}
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		code        string
		sentinel    error // nil: none of codeSentinels
		attempts    int32 // per call, with MaxAttempts 3
	}{
		{"200 INVALID_TOKEN", 200, "application/json", "INVALID_TOKEN", clientimpl.ErrInvalidToken, 1},
		{"200 INVALID_CREDENTIALS", 200, "application/json;charset=UTF-8", "INVALID_CREDENTIALS", clientimpl.ErrInvalidCredentials, 1},
		{"200 TOKEN_EXPIRED as text/plain", 200, "text/plain", "TOKEN_EXPIRED", clientimpl.ErrTokenExpired, 1},
		{"200 undocumented code", 200, "application/json", "SOMETHING_UNDOCUMENTED", nil, 1},
		{"200 undocumented code, no content type", 200, "", "SOMETHING_UNDOCUMENTED", nil, 1},
		{"400 undocumented code", 400, "application/json", "SOMETHING_UNDOCUMENTED", nil, 1},
		{"401 undocumented code as text/html", 401, "text/html", "SOMETHING_UNDOCUMENTED", nil, 1},
		// The code's sentinel, but retried only by HTTP status (429, 5xx), as before.
		{"200 TOO_MANY_REQUESTS", 200, "application/json", "TOO_MANY_REQUESTS", clientimpl.ErrThrottled, 1},
		{"200 INTERNAL_ERROR", 200, "application/json", "INTERNAL_ERROR", clientimpl.ErrServerError, 1},
		{"500 undocumented code", 500, "application/json", "SOMETHING_UNDOCUMENTED", clientimpl.ErrServerError, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startCRMCOM(t, tc.status, tc.contentType, vendorEnvelope(tc.code, "what CRM.COM said"))
			sl := &sleeps{}
			c, err := clientimpl.New(srv.URL, clientimpl.WithRetryPolicy(clientimpl.RetryPolicy{MaxAttempts: 3, Sleep: sl.sleep}))
			if err != nil {
				t.Fatal(err)
			}
			for op, err := range fourMethods(c) {
				var apiErr *clientimpl.APIError
				if !errors.As(err, &apiErr) {
					t.Errorf("%s: err = %v (%T), want *APIError", op, err, err)
					continue
				}
				if apiErr.Code != gen.ErrorCode(tc.code) || apiErr.HTTPStatus != tc.status || apiErr.Message != "what CRM.COM said" || apiErr.Operation != op {
					t.Errorf("%s: %+v", op, apiErr)
				}
				for _, s := range codeSentinels {
					if want := s == tc.sentinel; errors.Is(err, s) != want {
						t.Errorf("%s: errors.Is(err, %v) = %v", op, s, !want)
					}
				}
				if errors.Is(err, clientimpl.ErrUnexpectedResponse) {
					t.Errorf("%s: a refusal in the envelope is an unexpected response: %v", op, err)
				}
				if got, want := errors.Is(err, clientimpl.ErrTemporary), tc.attempts > 1; got != want {
					t.Errorf("%s: errors.Is(err, ErrTemporary) = %v", op, got)
				}
				if !strings.Contains(err.Error(), tc.code) {
					t.Errorf("%s: Error() = %q lacks the code", op, err)
				}
			}
			if n := srv.requests.Load(); n != 4*tc.attempts {
				t.Errorf("%d requests for four calls, want %d", n, 4*tc.attempts)
			}
		})
	}
}

// Release's answer has no data to speak of ("not applicable"): the vendor's own example
// answer, with "data": {}, is a success, and so are data null and no data at all. A non-OK
// code in the same shape is not.
func TestReleaseAcceptsTheVendorsAnswer(t *testing.T) {
	for name, body := range map[string]string{
		"the vendor's example, data {}": `{"status":{"message":"","description":"","code":"OK"},"data":{}}`,
		"data null":                     `{"status":{"message":"","description":"","code":"OK"},"data":null}`,
		"no data":                       `{"status":{"message":"","description":"","code":"OK"}}`,
		"null description and message":  `{"status":{"message":null,"description":null,"code":"OK"},"data":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := startCRMCOM(t, http.StatusOK, "application/json", body)
			c, err := clientimpl.New(srv.URL, clientimpl.WithRetryPolicy(clientimpl.NoRetry))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ReleaseToken(context.Background(), someToken); err != nil {
				t.Fatalf("release: %v", err)
			}
		})
	}
	srv := startCRMCOM(t, http.StatusOK, "application/json", `{"status":{"message":"","description":"","code":"INVALID_TOKEN"},"data":{}}`)
	c, _ := clientimpl.New(srv.URL, clientimpl.WithRetryPolicy(clientimpl.NoRetry))
	if err := c.ReleaseToken(context.Background(), someToken); !errors.Is(err, clientimpl.ErrInvalidToken) {
		t.Fatalf("release answered INVALID_TOKEN with data {}: %v", err)
	}
}

// someToken is what the release calls send; the server above does not read it.
const someToken = "a-token-to-release"
