package clientimpl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestNewValidatesTheServerURLOnce(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:8080":                   "http://localhost:8080/crmapi/rest/v2",
		"http://localhost:8080/":                  "http://localhost:8080/crmapi/rest/v2",
		"https://crm.example.com/crmapi/rest/v2":  "https://crm.example.com/crmapi/rest/v2",
		"https://crm.example.com/crmapi/rest/v2/": "https://crm.example.com/crmapi/rest/v2",
		"https://gw.example.com/tenant-a/crm/v2":  "https://gw.example.com/tenant-a/crm/v2",
		"  http://127.0.0.1:9/  ":                 "http://127.0.0.1:9/crmapi/rest/v2",
	} {
		c, err := New(in)
		if err != nil {
			t.Errorf("New(%q): %v", in, err)
			continue
		}
		if c.BaseURL() != want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", in, c.BaseURL(), want)
		}
	}
	for _, in := range []string{
		"", "localhost:8080", "ftp://crm.example.com", "http://", "https://user:s3cret@crm.example.com",
		"https://crm.example.com/?x=1", "https://crm.example.com/#top", "http://[::1", "/crmapi/rest/v2",
	} {
		if _, err := New(in); err == nil {
			t.Errorf("New(%q) accepted it", in)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("New(%q) error shows the password: %v", in, err)
		}
	}
}

func TestCredentialsNeverPrintTheirSecrets(t *testing.T) {
	creds := []any{
		Login{Username: "jdoe", Password: "s3cret-Passw0rd", Organisation: "ps_dev"},
		WebAPIKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192"},
		ConsumerApplicationKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192",
			AccessTokenIdentifier: AccessTokenIdentifier{AuthenticationCode: "p_kestora1!", Identifier: "card", PassCode: "4321"}},
	}
	for _, c := range creds {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(format, c)
			for _, secret := range []string{"s3cret-Passw0rd", "EE73C0AE64524371B5DDEFF5F7BB2192", "p_kestora1!", "4321"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s of %T shows a secret: %s", format, c, out)
				}
			}
		}
	}
}

func TestCredentialsRefusedBeforeSending(t *testing.T) {
	for _, c := range []Credentials{
		Login{Password: "p", Organisation: "o"},
		Login{Username: "u", Organisation: "o"},
		Login{Username: "u", Password: "p"},
		WebAPIKey{},
		WebAPIKey{Key: "a:b"},
		ConsumerApplicationKey{Key: "k"},
		ConsumerApplicationKey{Key: "k", AccessTokenIdentifier: AccessTokenIdentifier{Identifier: "card"}},
		ConsumerApplicationKey{Key: "k", AccessTokenIdentifier: AccessTokenIdentifier{PassCode: "4321"}},
		ConsumerApplicationKey{AccessTokenIdentifier: AccessTokenIdentifier{AuthenticationCode: "c"}},
	} {
		if err := c.validate(); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%v: validate() = %v, want ErrInvalidRequest", c, err)
		}
	}
}
