package clientimpl

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/gen"
)

// BasePath is where CRM.COM serves its Web API methods on a server.
const BasePath = "/crmapi/rest/v2"

// DefaultTimeout bounds one attempt of one call (connect, send, read the answer) when the
// caller does not choose another with WithTimeout.
const DefaultTimeout = 30 * time.Second

// Client calls CRM.COM's four authentication methods. It is safe for concurrent use.
// Build it once per server with New.
type Client struct {
	baseURL string
	api     *gen.Client
	timeout time.Duration
	retry   RetryPolicy
}

// ClientOption configures a Client.
type ClientOption func(*Client) error

// WithHTTPClient sends requests through hc (its transport, proxy, TLS settings, and its
// Timeout if it has one). The default is a client of its own with http.DefaultTransport.
//
// To reach the stub in-process, without a network (inside a testing/synctest bubble, where
// real connections stop fake time), give it the stub's transport:
//
//	clientimpl.New("http://stub.invalid", clientimpl.WithHTTPClient(&http.Client{Transport: stub.Transport()}))
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil *http.Client")
		}
		c.api.Client = hc
		return nil
	}
}

// WithTimeout bounds each attempt of each call; zero or less means no bound beyond the
// caller's context. The default is DefaultTimeout.
func WithTimeout(d time.Duration) ClientOption {
	return func(c *Client) error {
		c.timeout = d
		return nil
	}
}

// WithRetryPolicy sets how calls retry transient failures; see RetryPolicy. NoRetry turns
// retries off.
func WithRetryPolicy(p RetryPolicy) ClientOption {
	return func(c *Client) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
			return errors.New("WithRetryPolicy: negative MaxAttempts, BaseDelay or MaxDelay")
		}
		c.retry = p
		return nil
	}
}

// New returns a Client for the CRM.COM server at serverURL. serverURL is either the server's
// root ("https://crm.example.com", "http://localhost:8080") — BasePath is then added — or the
// Web API's base URL ("https://crm.example.com/crmapi/rest/v2"). It must be an absolute http
// or https URL without credentials, query or fragment; it is checked here, once.
func New(serverURL string, opts ...ClientOption) (*Client, error) {
	base, err := baseURL(serverURL)
	if err != nil {
		return nil, err
	}
	api, err := gen.NewClient(base, gen.WithHTTPClient(&http.Client{}))
	if err != nil {
		return nil, fmt.Errorf("crmauth: server URL: %w", err)
	}
	c := &Client{baseURL: base, api: api, timeout: DefaultTimeout}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("crmauth: %w", err)
		}
	}
	return c, nil
}

// BaseURL is the Web API base URL calls go to, ending in BasePath unless the caller gave
// another path.
func (c *Client) BaseURL() string { return c.baseURL }

func baseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Parse quotes the input; it has no credentials yet (checked below), but keep the
		// message short and free of it anyway.
		return "", errors.New("crmauth: server URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("crmauth: server URL must start with http:// or https://, not %q", u.Scheme+":")
	case u.Host == "":
		return "", errors.New("crmauth: server URL has no host")
	case u.User != nil:
		return "", errors.New("crmauth: server URL must not hold credentials; use the Credentials types")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("crmauth: server URL must not have a query or fragment")
	}
	path := strings.TrimRight(u.Path, "/")
	if path == "" {
		path = BasePath
	}
	u.Path, u.RawPath = path, ""
	return u.String(), nil
}
