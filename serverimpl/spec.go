package serverimpl

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/crmcom-community/crmauth/gen"
)

// specDocuments are the embedded spec as JSON (as gen embeds it) and as YAML (converted once,
// keeping member order).
type specDocuments struct {
	json, yaml []byte
}

func loadSpecDocuments() (specDocuments, error) {
	j, err := gen.GetSpecJSON()
	if err != nil {
		return specDocuments{}, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(j, &node); err != nil { // JSON is YAML
		return specDocuments{}, err
	}
	blockStyle(&node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return specDocuments{}, err
	}
	return specDocuments{json: j, yaml: buf.Bytes()}, nil
}

// blockStyle drops JSON's flow style and quoting so the YAML reads like a hand-written spec.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style = 0
	} else if n.Kind != yaml.ScalarNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// mountSpec serves the contract and a health check, outside validation.
func (s *Stub) mountSpec(e *echo.Echo, docs specDocuments) {
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", docs.json)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", docs.yaml)
	})
	e.GET("/healthz", func(c echo.Context) error {
		writeJSON(c.Response(), http.StatusOK, map[string]any{
			"data":   map[string]any{"healthy": true, "sessions": s.authority.sessions.Len()},
			"status": okStatus(),
		})
		return nil
	})
}
