package serverimpl_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// TestServesTheSpec: /openapi.json and /openapi.yaml are the contract, loadable and valid,
// and load to the same document as openapi.yaml itself.
func TestServesTheSpec(t *testing.T) {
	s := startStub(t)
	want, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	for path, contentType := range map[string]string{"/openapi.json": "application/json", "/openapi.yaml": "application/yaml"} {
		t.Run(path, func(t *testing.T) {
			resp, body := s.do(t, http.MethodGet, path, "", nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(doc); string(got) != string(wantJSON) {
				t.Fatal("the served document loads to another document than openapi.yaml")
			}
		})
	}
}

// specFile is the contract in the repository, the file people expect to download.
const specFile = "../openapi.yaml"

// TestServedYAMLIsTheFile: /openapi.yaml is openapi.yaml byte for byte, so a checksum or a
// diff of the download against the repository's file matches.
func TestServedYAMLIsTheFile(t *testing.T) {
	file, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	_, body := startStub(t).do(t, http.MethodGet, "/openapi.yaml", "", nil)
	if !bytes.Equal(body, file) {
		t.Fatalf("served %d bytes, openapi.yaml has %d: not the same bytes (run `make generate`?)", len(body), len(file))
	}
	if got, want := sha256.Sum256(body), sha256.Sum256(file); got != want {
		t.Fatalf("sha256 %x, openapi.yaml's is %x", got, want)
	}
}

// TestServedJSONIsTheFile: /openapi.json says exactly what openapi.yaml says, member for
// member and in the same order; the members a re-serialisation used to drop are there.
func TestServedJSONIsTheFile(t *testing.T) {
	file, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	_, body := startStub(t).do(t, http.MethodGet, "/openapi.json", "", nil)

	var fromYAML yaml.Node
	if err := yaml.Unmarshal(file, &fromYAML); err != nil {
		t.Fatal(err)
	}
	want, err := orderedFromYAML(&fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	got, err := orderedFromJSON(dec)
	if err != nil {
		t.Fatalf("served JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("served JSON has more than one value: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("served JSON differs from openapi.yaml at %s", firstDifference(got, want, "$"))
	}

	// The members the issue found dropped, by name.
	var doc struct {
		Security *[]any `json:"security"`
		Paths    map[string]map[string]struct {
			RequestBody *struct {
				Required *bool `json:"required"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Security == nil || len(*doc.Security) != 0 {
		t.Errorf("top-level security: %v, want []", doc.Security)
	}
	rb := doc.Paths["/authentication/web_api_key/token"]["post"].RequestBody
	if rb == nil || rb.Required == nil || *rb.Required {
		t.Errorf("web_api_key/token requestBody.required is not false: %+v", rb)
	}
}

// member is one member of an object, in document order.
type member struct {
	Name  string
	Value any
}

// orderedFromYAML is n with objects as []member (order kept), arrays as []any, numbers as
// float64, other scalars as Go values.
func orderedFromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return orderedFromYAML(n.Content[0])
	case yaml.AliasNode:
		return orderedFromYAML(n.Alias)
	case yaml.MappingNode:
		obj := []member{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := orderedFromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{n.Content[i].Value, v})
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := []any{}
		for _, c := range n.Content {
			v, err := orderedFromYAML(c)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case time.Time:
		return n.Value, nil
	}
	return v, nil
}

// orderedFromJSON reads one JSON value from dec into the shape orderedFromYAML makes.
func orderedFromJSON(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			obj := []member{}
			for dec.More() {
				name, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := orderedFromJSON(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{name.(string), v})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := orderedFromJSON(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	case json.Number:
		return x.Float64()
	}
	return tok, nil
}

// firstDifference names where got and want part, for a readable failure.
func firstDifference(got, want any, at string) string {
	switch g := got.(type) {
	case []member:
		w, ok := want.([]member)
		if !ok {
			return at + " (object where the YAML has something else)"
		}
		for i := range min(len(g), len(w)) {
			if g[i].Name != w[i].Name {
				return fmt.Sprintf("%s: member %d is %q, the YAML's is %q", at, i, g[i].Name, w[i].Name)
			}
			if !reflect.DeepEqual(g[i].Value, w[i].Value) {
				return firstDifference(g[i].Value, w[i].Value, at+"."+g[i].Name)
			}
		}
		return fmt.Sprintf("%s: %d members, the YAML has %d", at, len(g), len(w))
	case []any:
		w, ok := want.([]any)
		if !ok {
			return at + " (array where the YAML has something else)"
		}
		for i := range min(len(g), len(w)) {
			if !reflect.DeepEqual(g[i], w[i]) {
				return firstDifference(g[i], w[i], fmt.Sprintf("%s[%d]", at, i))
			}
		}
		return fmt.Sprintf("%s: %d items, the YAML has %d", at, len(g), len(w))
	}
	return fmt.Sprintf("%s: %#v, the YAML has %#v", at, got, want)
}

func TestHealthz(t *testing.T) {
	s := startStub(t)
	s.loginToken(t)
	resp, body := s.do(t, http.MethodGet, "/healthz", "", nil)
	var got struct {
		Data struct {
			Healthy  bool `json:"healthy"`
			Sessions int  `json:"sessions"`
		} `json:"data"`
		Status struct{ Code string } `json:"status"`
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, body, err)
	}
	if !got.Data.Healthy || got.Data.Sessions != 1 || got.Status.Code != "OK" {
		t.Fatalf("healthz %s", body)
	}
}

func TestDocsUI(t *testing.T) {
	s := startStub(t)
	for _, path := range []string{"/docs", "/docs/"} {
		resp, body := s.do(t, http.MethodGet, path, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "swagger") {
			t.Fatalf("%s: %d %.100s", path, resp.StatusCode, body)
		}
	}
}
