package redact_test

import (
	"fmt"
	"testing"

	"github.com/crmcom-community/crmauth/internal/redact"
)

type holder struct{ secret string }

func (h holder) String() string                { return "holder{" + redact.Quoted(h.secret) + "}" }
func (h holder) Format(f fmt.State, verb rune) { redact.Format(f, verb, h.String()) }

func TestMaskAndQuoted(t *testing.T) {
	if redact.Mask("s3cret") != redact.Text || redact.Mask("") != "" {
		t.Fatalf("Mask: %q, %q", redact.Mask("s3cret"), redact.Mask(""))
	}
	if redact.Quoted("s3cret") != redact.Text || redact.Quoted("") != `""` {
		t.Fatalf("Quoted: %q, %q", redact.Quoted("s3cret"), redact.Quoted(""))
	}
}

func TestFormatEveryVerb(t *testing.T) {
	h := holder{"s3cret"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		got := fmt.Sprintf(verb, h)
		want := "holder{[REDACTED]}"
		if verb == "%q" {
			want = `"holder{[REDACTED]}"`
		}
		if got != want {
			t.Errorf("%s: %q, want %q", verb, got, want)
		}
	}
}
