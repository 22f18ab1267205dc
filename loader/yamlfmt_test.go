package loader

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// squeeze is a stand-in for the condition formatter: blanks collapse to
// one space; in block scalars, each "and" starts a line.
func squeeze(text string, col int, block bool) ([]string, bool) {
	one := strings.Join(strings.Fields(text), " ")
	if one == "broken" {
		return nil, false
	}
	if !block {
		return []string{one}, true
	}
	parts := strings.Split(one, " and ")
	for i := 1; i < len(parts); i++ {
		parts[i] = "and " + parts[i]
	}
	return parts, true
}

func TestFormatConditions(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "cart_rules:\n  - id: a\n    when: a  ==   1   # keep me\n    name: x   y\n",
			"cart_rules:\n  - id: a\n    when: a == 1   # keep me\n    name: x   y\n"},
		{"single quoted", "cart_rules:\n  - action:\n      items:   '\"x\"   in   y'\n",
			"cart_rules:\n  - action:\n      items:   '\"x\" in y'\n"},
		{"single quoted with quote", "cart_rules:\n  - when: 'it''s    x'\n", "cart_rules:\n  - when: 'it''s x'\n"},
		{"double quoted", "cart_rules:\n  - when: \"a   \\\"b\\\"  \\t c\"\n", "cart_rules:\n  - when: \"a \\\"b\\\" c\"\n"},
		{"literal", "cart_rules:\n  - when: |\n      a   and b and\n      c\n    action: {}\n",
			"cart_rules:\n  - when: |\n      a\n      and b\n      and c\n    action: {}\n"},
		{"folded strip", "cart_rules:\n  - when: >-\n      a and   b\n\n    # comment\n    id: x\n",
			"cart_rules:\n  - when: >-\n      a\n      and b\n\n    # comment\n    id: x\n"},
		{"anchor and tag", "cart_rules:\n  - when: &c !!str a   b\n  - when: *c\n", "cart_rules:\n  - when: &c !!str a b\n  - when: *c\n"},
		{"needs quotes", "cart_rules:\n  - when: x\n", "cart_rules:\n  - when: 'a: b'\n"},
		{"explicit indentation is left alone", "cart_rules:\n  - when: |2\n      a   b\n", "cart_rules:\n  - when: |2\n      a   b\n"},
		{"not parsed", "cart_rules:\n  - when: broken\n", "cart_rules:\n  - when: broken\n"},
		{"multi-line plain", "cart_rules:\n  - when: a\n      and   b\n    id: x\n", "cart_rules:\n  - when: a and b\n    id: x\n"},
		{"blocks", "blocks:\n  - id: b\n    when:   x  y\n    content: a   b\n", "blocks:\n  - id: b\n    when:   x y\n    content: a   b\n"},
		{"flow mapping", "cart_rules: [{when: a   b, id: x}]\n", "cart_rules: [{when: a b, id: x}]\n"},
		{"crlf", "cart_rules:\r\n  - when: |-\r\n      a and\r\n      b\r\n    id: x\r\n", "cart_rules:\r\n  - when: |-\r\n      a\r\n      and b\r\n    id: x\r\n"},
		{"two documents", "cart_rules:\n  - when: a  b\n---\ncart_rules:\n  - when: c   d\n", "cart_rules:\n  - when: a b\n---\ncart_rules:\n  - when: c d\n"},
		{"other keys", "audiences:\n  - when: a  b\n", "audiences:\n  - when: a  b\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			format := squeeze
			if tc.name == "needs quotes" {
				format = func(string, int, bool) ([]string, bool) { return []string{"a: b"}, true }
			}
			got, err := FormatConditions("r.yaml", []byte(tc.in), format)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("FormatConditions (-want +got):\n%s", diff)
			}
			again, _ := FormatConditions("r.yaml", got, format)
			if string(again) != string(got) {
				t.Errorf("not idempotent:\n%s", again)
			}
		})
	}
	if _, err := FormatConditions("r.yaml", []byte("a: [b\n"), squeeze); err == nil {
		t.Error("FormatConditions of broken YAML: no error")
	}
}

// TestFormatConditionsColumn checks the column the formatter is told:
// where a one-line condition starts, or a block's indentation plus one.
func TestFormatConditionsColumn(t *testing.T) {
	var cols []int
	format := func(text string, col int, block bool) ([]string, bool) {
		cols = append(cols, col)
		return []string{text}, true
	}
	in := "cart_rules:\n  - when: é  x\n    action:\n      items: |\n        y\n"
	if _, err := FormatConditions("r.yaml", []byte(in), format); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{9, 11}, cols); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
}
