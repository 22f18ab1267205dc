package loader

// The cart of a test case is the cart JSON contract written as YAML. It is
// turned back into JSON bytes for the engine's decoder, with the position
// of every JSON path recorded, so that the decoder's errors ("items[2].qty:
// must be > 0") are reported at their line and column in the test file.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
)

// readCart writes the cart as JSON, recording positions by JSON path.
func (t *testReader) readCart(c *TestCase, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "cart", "a mapping: the cart JSON contract written as YAML")
		return
	}
	t.buf, t.cart, t.keys = &bytes.Buffer{}, map[string]diag.Pos{}, map[string]diag.Pos{}
	t.json(n, "")
	c.Cart, c.cartValues, c.cartKeys = t.buf.Bytes(), t.cart, t.keys
}

// json writes the YAML value n as JSON. Mappings become objects, lists
// arrays; a plain number is written with its text when JSON allows that
// text ("19.99"), else as a string ("1e3", "0x10"), for the cart decoder to
// judge; booleans and null are JSON's; everything else is a string.
func (t *testReader) json(n *yaml.Node, at string) {
	n = t.node(n)
	if _, ok := t.cart[at]; !ok {
		t.cart[at] = t.pos(n)
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if t.active[n] {
			t.errorf(n, "invalid-merge", "alias refers to a value that contains it: remove the cycle")
			t.buf.WriteString("null")
			return
		}
		t.active[n] = true
		defer delete(t.active, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		t.buf.WriteByte('{')
		entries, _ := t.mapping(n, "cart", "cart", nil)
		for i, e := range entries {
			if i > 0 {
				t.buf.WriteByte(',')
			}
			t.str2json(e.name)
			t.buf.WriteByte(':')
			p := diag.Member(at, e.name)
			if _, ok := t.keys[p]; !ok {
				t.keys[p] = t.pos(e.key)
			}
			t.json(e.value, p)
		}
		t.buf.WriteByte('}')
	case yaml.SequenceNode:
		t.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				t.buf.WriteByte(',')
			}
			t.json(item, at+"["+strconv.Itoa(i)+"]")
		}
		t.buf.WriteByte(']')
	case yaml.ScalarNode:
		switch {
		case n.Tag == "!!null":
			t.buf.WriteString("null")
		case n.Tag == "!!bool":
			t.buf.WriteString(strings.ToLower(n.Value))
		case (n.Tag == "!!int" || n.Tag == "!!float") && isJSONNumber(n.Value):
			t.buf.WriteString(n.Value)
		default:
			t.str2json(n.Value)
		}
	default:
		t.buf.WriteString("null")
	}
}

func (t *testReader) str2json(s string) {
	b, _ := json.Marshal(s) // a string always marshals
	t.buf.Write(b)
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}
