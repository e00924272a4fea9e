package yamljson

import (
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct{ name, yaml, json string }{
		{"order kept", "z: 1\na: 2\nm: 3\n", `{"z":1,"a":2,"m":3}`},
		{"empty sequence and mapping", "security: []\nx: {}\n", `{"security":[],"x":{}}`},
		{"false kept", "required: false\n", `{"required":false}`},
		{"scalars", "s: text\nq: '1'\ni: -7\nu: 18446744073709551615\nf: 1.5\nn: null\nt: ~\nb: true\n",
			`{"s":"text","q":"1","i":-7,"u":18446744073709551615,"f":1.5,"n":null,"t":null,"b":true}`},
		{"integer keys are names", "200:\n  d: ok\n", `{"200":{"d":"ok"}}`},
		{"timestamps stay as written", "d: 2026-03-01\n", `{"d":"2026-03-01"}`},
		{"aliases resolved", "a: &x {k: v}\nb: *x\n", `{"a":{"k":"v"},"b":{"k":"v"}}`},
		{"block text", "d: |\n  two\n  lines\n", `{"d":"two\nlines\n"}`},
		{"no HTML escaping", "d: <b>&</b>\n", `{"d":"<b>&</b>"}`},
		{"nested sequences", "a:\n  - [1, 2]\n  - {x: y}\n", `{"a":[[1,2],{"x":"y"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Convert([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(string(got), "}\n") {
				t.Errorf("output does not end in a newline: %q", got)
			}
			if compact := strings.Join(strings.Fields(string(got)), ""); compact != strings.Join(strings.Fields(tc.json), "") {
				t.Errorf("got %s, want %s", got, tc.json)
			}
		})
	}
}

func TestConvertIndents(t *testing.T) {
	got, err := Convert([]byte("a:\n  b: [1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}\n"
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestConvertRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"key twice":     "a: 1\na: 2\n",
		"mapping key":   "? {a: 1}\n: v\n",
		"merge key":     "base: &b {x: 1}\nd:\n  <<: *b\n",
		"infinity":      "f: .inf\n",
		"NaN":           "f: .nan\n",
		"binary":        "b: !!binary aGk=\n",
		"custom tag":    "c: !thing x\n",
		"two documents": "a: 1\n---\nb: 2\n",
		"not YAML":      "a: [1\n",
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := Convert([]byte(doc)); err == nil {
				t.Fatalf("converted to %s", got)
			}
		})
	}
}
