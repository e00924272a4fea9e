package serverimpl_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/gen"
)

// TestServesTheSpec: /openapi.json and /openapi.yaml are the embedded contract, loadable and
// valid, with the same operations.
func TestServesTheSpec(t *testing.T) {
	s := startStub(t)
	want, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	for path, contentType := range map[string]string{"/openapi.json": "application/json", "/openapi.yaml": "application/yaml"} {
		t.Run(path, func(t *testing.T) {
			resp, body := s.do(t, http.MethodGet, path, "", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), contentType) {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(t.Context()); err != nil {
				t.Fatal(err)
			}
			if doc.Info.Title != want.Info.Title || len(doc.Paths.Map()) != len(want.Paths.Map()) {
				t.Fatalf("served spec differs: %q, %d paths", doc.Info.Title, len(doc.Paths.Map()))
			}
			if path == "/openapi.yaml" && !strings.HasPrefix(string(body), "openapi: 3.0.3\n") {
				t.Fatalf("YAML should open with the openapi version, like the source: %.40q", body)
			}
		})
	}
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
