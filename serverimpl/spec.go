package serverimpl

import (
	"bytes"
	"net/http"
	"slices"

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
	if len(node.Content) == 1 {
		orderTopLevel(node.Content[0])
	}
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

// topLevelOrder is the order of openapi.yaml's top-level members; the embedded JSON has them
// sorted, which would open the YAML with components.
var topLevelOrder = []string{"openapi", "info", "servers", "tags", "security", "paths", "components"}

func orderTopLevel(m *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		return
	}
	rank := func(key string) int {
		for i, k := range topLevelOrder {
			if k == key {
				return i
			}
		}
		return len(topLevelOrder)
	}
	pairs := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	slices.SortStableFunc(pairs, func(a, b [2]*yaml.Node) int { return rank(a[0].Value) - rank(b[0].Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p[0], p[1])
	}
}

// mountSpec serves the contract and a health check, outside validation.
func (s *Stub) mountSpec(e *echo.Echo, docs specDocuments) {
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", docs.json)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", docs.yaml)
	})
	e.GET("/healthz", s.healthz)
}
