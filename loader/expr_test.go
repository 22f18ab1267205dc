package loader

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// head starts every rule file of the position tests: a valid rule whose
// condition the case writes from line 5 on.
const head = "cart_rules:\n  - id: r\n    name: R\n    action: {type: by_percent, amount: 10}\n"

// TestConditionPositions checks that every way of writing a condition maps
// its bytes back to the file: the misspelled word "subtottal" must be found
// at the line and column where it sits in the file.
func TestConditionPositions(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		field    string // "when" (default) or "action.items"
		want     string // line:col of "subtottal"
		verbatim bool   // Text sits on one line at Pos: Offsets stays nil
	}{
		{name: "plain", verbatim: true,
			src:  head + `    when: audience("VIP") and cart.subtottal >= 100`,
			want: "5:36"},
		{name: "plain with non-ASCII before", verbatim: true,
			src:  head + `    when: item.name == "Café ☕" and cart.subtottal > 1`,
			want: "5:42"},
		{name: "single-quoted",
			src:  head + `    when: 'audience(''VIP'') and cart.subtottal > 1'`,
			want: "5:39"},
		{name: "single-quoted without escapes", verbatim: true,
			src:  head + `    when: 'cart.subtottal > 1'`,
			want: "5:17"},
		{name: "double-quoted with escaped quotes",
			src:  head + `    when: "audience(\"VIP\") and cart.subtottal > 1"`,
			want: "5:39"},
		{name: "double-quoted with unicode escape",
			src:  head + `    when: "item.name == \"caf\u00e9\" and cart.subtottal > 1"`,
			want: "5:48"},
		{name: "double-quoted over two lines",
			src:  head + "    when: \"audience(\\\"VIP\\\") and\n      cart.subtottal > 1\"",
			want: "6:12"},
		{name: "double-quoted with escaped line break",
			src:  head + "    when: \"audience(\\\"VIP\\\") and cart.\\\n      subtottal > 1\"",
			want: "6:7"},
		{name: "literal",
			src:  head + "    when: |\n      audience(\"VIP\")\n        and cart.subtottal >= 100\n",
			want: "7:18"},
		{name: "literal with header comment and keep",
			src:  head + "    when: |+ # VIP only\n      audience(\"VIP\")\n\n      and cart.subtottal >= 100\n\n",
			want: "8:16"},
		{name: "literal with explicit indentation",
			src:  head + "    when: |2\n        cart.subtottal > 1\n",
			want: "6:14"},
		{name: "literal with CRLF line breaks",
			src:  strings.ReplaceAll(head+"    when: |\n      audience(\"VIP\")\n      and cart.subtottal >= 100\n", "\n", "\r\n"),
			want: "7:16"},
		{name: "folded",
			src:  head + "    when: >-\n      audience(\"VIP\") and\n      cart.subtottal >= 100\n",
			want: "7:12"},
		{name: "folded with blank line",
			src:  head + "    when: >\n      audience(\"VIP\")\n\n      and   cart.subtottal >= 100\n",
			want: "8:18"},
		{name: "multi-line plain",
			src:  head + "    when: audience(\"VIP\") and   \n      cart.subtottal >= 100\n",
			want: "6:12"},
		{name: "anchor and tag before the text", verbatim: true,
			src:  head + "    when: &vip !!str cart.subtottal > 1",
			want: "5:27"},
		{name: "anchor on its own line", verbatim: true,
			src:  head + "    when: &vip # shared\n      cart.subtottal > 1",
			want: "6:12"},
		{name: "flow mapping in a nested list",
			src: "cart_rules:\n" +
				"  - {id: a, name: A, action: {type: by_percent, amount: 1}, when: \"cart.subtottal > 1\"}\n",
			want: "2:73", verbatim: true},
		{name: "items in a deeper block",
			field: "action.items",
			src: "cart_rules:\n" +
				"    -   id: a\n" +
				"        name: A\n" +
				"        action:\n" +
				"            type: by_percent\n" +
				"            amount: 5\n" +
				"            items: >\n" +
				"                item.sku == \"x\" or\n" +
				"                cart.subtottal > 1\n",
			want: "9:22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, diags := LoadFS(fstest.MapFS{"rules.yaml": {Data: []byte(tt.src)}}, "p")
			if diags.HasErrors() {
				t.Fatalf("unexpected diagnostics:\n%v", diags)
			}
			if len(set.CartRules) != 1 {
				t.Fatalf("got %d rules, want 1", len(set.CartRules))
			}
			e := set.CartRules[0].When
			if tt.field == "action.items" {
				e = set.CartRules[0].Action.Items
			}
			off := strings.Index(e.Text, "subtottal")
			if off < 0 {
				t.Fatalf("text %q has no subtottal", e.Text)
			}
			p := e.PosAt(off)
			if got := fmt.Sprintf("%d:%d", p.Line, p.Col); got != tt.want || p.File != "p/rules.yaml" {
				t.Errorf("PosAt(%d) = %s, want p/rules.yaml:%s", off, p, tt.want)
			}
			if got := e.Offsets == nil; got != tt.verbatim {
				t.Errorf("Offsets == nil is %v, want %v", got, tt.verbatim)
			}
			checkEveryByte(t, e, set.Sources)
		})
	}
}

// checkEveryByte checks that each letter or digit of the condition maps to
// that same character in the file, or to the backslash of its escape.
func checkEveryByte(t *testing.T, e rules.Expr, src diag.Sources) {
	t.Helper()
	for i, r := range e.Text {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r >= utf8.RuneSelf) {
			continue
		}
		p := e.PosAt(i)
		line := []rune(src.Line(p.File, p.Line))
		if p.Col < 1 || p.Col > len(line) || line[p.Col-1] != r && line[p.Col-1] != '\\' {
			t.Errorf("byte %d (%q) of %q maps to %s, which is not that character", i, r, e.Text, p)
			return
		}
	}
}

// TestAlignEscapesAndFallback checks the two coarse cases of align: an
// escape's bytes all sit at its backslash, and text that does not match the
// source from the node's position gets the node's position.
func TestAlignEscapesAndFallback(t *testing.T) {
	tests := []struct {
		name string
		src  string
		node yaml.Node
		want []int // column of each byte of node.Value, all on line 1
	}{
		{name: "newline escape",
			src:  `when: "a\n b"`,
			node: yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: "a\n b", Line: 1, Column: 7},
			want: []int{8, 9, 11, 12}},
		{name: "two-byte rune from an escape",
			src:  `when: "\xe9!"`,
			node: yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: "\u00e9!", Line: 1, Column: 7},
			want: []int{8, 8, 12}},
		{name: "source does not match",
			src:  "when: abc",
			node: yaml.Node{Kind: yaml.ScalarNode, Value: "abd", Line: 1, Column: 7},
			want: []int{7, 8, 7}},
		{name: "position outside the file",
			src:  "when: abc",
			node: yaml.Node{Kind: yaml.ScalarNode, Value: "abc", Line: 9, Column: 7},
			want: []int{7, 7, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offs, _ := newSource("f", []byte(tt.src)).align(&tt.node)
			var got []int
			for _, p := range offs {
				got = append(got, p.Col)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("columns = %v, want %v (%v)", got, tt.want, offs)
			}
		})
	}
}

// FuzzAlign maps every scalar of arbitrary YAML back to its source. Each
// letter or digit placed exactly must sit on that same character in the
// source, or on the backslash of the escape that produced it.
func FuzzAlign(f *testing.F) {
	for _, tt := range []string{
		"a: plain text\n  folded on\n\n  lines\n",
		"a: 'it''s'\nb: \"q\\\"\\u00e9\\\n   x\"\n",
		"- |+2 # c\n    two\n\n  one\n- >-\n  a\n   b\n\n  c\n",
		"k: &a !!str\n  # c\n  v\nl: *a\n",
		"{a: [b, 'c', \"d\"], ? e : f}\r\n",
	} {
		f.Add([]byte(tt))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if off, _, _ := checkText(data); off >= 0 {
			return
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil {
			return
		}
		s := newSource("f", data)
		lines := s.text()
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			for _, c := range n.Content {
				walk(c)
			}
			if n.Kind != yaml.ScalarNode || n.Value == "" {
				return
			}
			offs, matched := s.align(n)
			for i, r := range n.Value {
				if i >= matched {
					return
				}
				if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
					continue
				}
				p := offs[i]
				line := []rune(lines[p.Line-1])
				if p.Col > len(line) || line[p.Col-1] != r && line[p.Col-1] != '\\' {
					t.Fatalf("byte %d %q of %q placed at %d:%d, line %q", i, r, n.Value, p.Line, p.Col, lines[p.Line-1])
				}
			}
		}
		walk(&doc)
	})
}
