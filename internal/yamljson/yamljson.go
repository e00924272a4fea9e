// Package yamljson converts a YAML document to its JSON equivalent, keeping every member and
// the members' order. Generic converters (decode into map[string]any, encode as JSON) sort the
// keys; a served OpenAPI document should read in the order its author wrote it.
package yamljson

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"gopkg.in/yaml.v3"
)

// Convert returns the JSON equivalent of the single YAML document in data, indented by two
// spaces and ending in a newline. Mapping keys become member names as written (an unquoted
// `200:` is the member "200"); timestamps stay the strings they were written as. What JSON
// cannot say is refused: several documents, a key given twice, a non-scalar key, merge keys
// (`<<`), binary or custom tags, infinities and NaN.
func Convert(data []byte) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, errors.New("yamljson: more than one YAML document")
	}
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf, jsontext.WithIndent("  "))
	if err := write(enc, &doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil // the encoder ends each top-level value with a newline
}

func write(enc *jsontext.Encoder, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return errors.New("yamljson: empty document")
		}
		return write(enc, n.Content[0])
	case yaml.AliasNode:
		return write(enc, n.Alias)
	case yaml.MappingNode:
		return writeMapping(enc, n)
	case yaml.SequenceNode:
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, item := range n.Content {
			if err := write(enc, item); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	case yaml.ScalarNode:
		tok, err := scalar(n)
		if err != nil {
			return err
		}
		return enc.WriteToken(tok)
	}
	return fmt.Errorf("yamljson: line %d: unknown node kind %d", n.Line, n.Kind)
}

func writeMapping(enc *jsontext.Encoder, n *yaml.Node) error {
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		for key.Kind == yaml.AliasNode {
			key = key.Alias
		}
		switch {
		case key.Kind != yaml.ScalarNode:
			return fmt.Errorf("yamljson: line %d: a mapping key must be a scalar", key.Line)
		case key.Tag == "!!merge":
			return fmt.Errorf("yamljson: line %d: merge keys (<<) are not supported", key.Line)
		case seen[key.Value]:
			return fmt.Errorf("yamljson: line %d: key %q is given twice", key.Line, key.Value)
		}
		seen[key.Value] = true
		if err := enc.WriteToken(jsontext.String(key.Value)); err != nil {
			return err
		}
		if err := write(enc, n.Content[i+1]); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// scalar is the JSON token of a YAML scalar, by its resolved tag.
func scalar(n *yaml.Node) (jsontext.Token, error) {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return jsontext.String(n.Value), nil
	case "!!null":
		return jsontext.Null, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return jsontext.Token{}, err
		}
		return jsontext.Bool(b), nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return jsontext.Int(i), nil
		}
		var u uint64
		if err := n.Decode(&u); err != nil {
			return jsontext.Token{}, fmt.Errorf("yamljson: line %d: integer %s does not fit 64 bits", n.Line, n.Value)
		}
		return jsontext.Uint(u), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return jsontext.Token{}, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return jsontext.Token{}, fmt.Errorf("yamljson: line %d: %s has no JSON form", n.Line, strconv.Quote(n.Value))
		}
		return jsontext.Float(f), nil
	}
	return jsontext.Token{}, fmt.Errorf("yamljson: line %d: tag %s has no JSON form", n.Line, n.ShortTag())
}
