package loader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
)

// ConditionFormat formats one condition for FormatConditions: text is the
// condition, col the column its text starts at, block whether it may span
// lines (a literal or folded block scalar; col is then the block's
// indentation plus one). It returns the lines to write, or false to leave
// the condition as it is.
type ConditionFormat func(text string, col int, block bool) (lines []string, ok bool)

// FormatConditions rewrites the conditions of a YAML rule file (when and
// action.items of cart rules, when of blocks) with format, and changes no
// other byte of the file: keys, comments, quoting of other values, blank
// lines and order stay as written. Each condition keeps its scalar style
// (plain, quoted, literal or folded) where that style can hold the new
// text; otherwise it is written single-quoted, or double-quoted. Every edit
// is checked by reading the file again: the YAML must be the same but for
// that condition's text, which must be what format returned. An edit that
// fails the check, a condition behind an alias, and a scalar whose bytes
// this reader cannot place exactly are left alone.
//
// The error is for a file that is not YAML; the caller reports it (the
// loader's diagnostics say more).
func FormatConditions(name string, data []byte, format ConditionFormat) ([]byte, error) {
	docs, err := decodeAll(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	src := newSource(name, data)
	targets := conditionNodes(docs)
	// From the end of the file back, so that the spans found in the
	// original stay right.
	slices.SortFunc(targets, func(a, b target) int {
		if a.n.Line != b.n.Line {
			return b.n.Line - a.n.Line
		}
		return b.n.Column - a.n.Column
	})
	nl := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		nl = "\r\n"
	}
	out := data
	for _, t := range targets {
		sp, ok := src.scalarSpan(t.n)
		if !ok {
			continue
		}
		block := t.n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
		col := src.pos(sp.start).Col
		if block {
			col = sp.indent + 1
		}
		lines, ok := format(t.n.Value, col, block)
		if !ok || len(lines) == 0 || (!block && len(lines) != 1) {
			continue
		}
		for _, c := range candidates(t.n, sp, lines, nl) {
			if bytes.Equal(out[c.start:c.end], []byte(c.text)) {
				break // already formatted
			}
			next := slices.Concat(out[:c.start], []byte(c.text), out[c.end:])
			if sameBut(out, next, t.path, c.want) {
				out = next
				break
			}
		}
	}
	return out, nil
}

func decodeAll(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

// target is a condition scalar and its path from the documents: the
// document's index, then the index in Content at each level.
type target struct {
	n    *yaml.Node
	path []int
}

// conditionNodes finds the condition scalars of a rule file's documents.
func conditionNodes(docs []*yaml.Node) []target {
	var out []target
	add := func(n *yaml.Node, path []int) {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.TrimSpace(n.Value) != "" {
			out = append(out, target{n, slices.Clone(path)})
		}
	}
	for d, doc := range docs {
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			key, list := root.Content[i].Value, root.Content[i+1]
			if (key != "cart_rules" && key != "blocks") || list.Kind != yaml.SequenceNode {
				continue
			}
			for j, item := range list.Content {
				if item.Kind != yaml.MappingNode {
					continue
				}
				base := []int{d, 0, i + 1, j}
				for k := 0; k+1 < len(item.Content); k += 2 {
					v := item.Content[k+1]
					switch item.Content[k].Value {
					case "when":
						add(v, append(base, k+1))
					case "action":
						if key != "cart_rules" || v.Kind != yaml.MappingNode {
							continue
						}
						for a := 0; a+1 < len(v.Content); a += 2 {
							if v.Content[a].Value == "items" {
								add(v.Content[a+1], append(base, k+1, a+1))
							}
						}
					}
				}
			}
		}
	}
	return out
}

// span is where a scalar's bytes are: [start, end) from its opening quote,
// block header or first character to its closing quote or last character;
// for a block scalar, body is where its lines start and indent their
// indentation.
type span struct{ start, end, body, indent int }

// scalarSpan finds scalar n in the source, or false when the walk cannot
// place every byte of its value (see source.align).
func (s *source) scalarSpan(n *yaml.Node) (span, bool) {
	c, ok := s.cursorAt(n.Line, n.Column)
	if !ok || !c.skipProps() {
		return span{}, false
	}
	sp := span{start: c.off}
	a := aligner{cursor: c, dq: n.Style&yaml.DoubleQuotedStyle != 0, sq: n.Style&yaml.SingleQuotedStyle != 0}
	block := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	switch {
	case a.dq || a.sq:
		if !a.skipQuote() {
			return span{}, false
		}
	case block:
		for i := c.off + 1; i < len(s.data) && strings.IndexByte("+-0123456789", s.data[i]) >= 0; i++ {
			if s.data[i] != '+' && s.data[i] != '-' {
				return span{}, false // an explicit indentation indicator
			}
		}
		if !a.skipHeader() {
			return span{}, false
		}
		sp.body, sp.indent = a.off, a.indent
	}
	text := n.Value
	offs := make([]diag.Pos, len(text))
	if a.match(text, offs) != len(text) {
		return span{}, false
	}
	switch {
	case a.dq || a.sq:
		if (a.dq && a.peek() != '"') || (a.sq && a.peek() != '\'') {
			return span{}, false
		}
		sp.end = a.off + 1
	case block:
		last := len(strings.TrimRight(text, "\n")) - 1
		if last < 0 {
			return span{}, false
		}
		p := offs[last]
		lc, ok := s.cursorAt(p.Line, p.Col)
		if !ok {
			return span{}, false
		}
		sp.end = s.lineEnd(lc.off)
	default:
		sp.end = a.off
	}
	return sp, sp.end > sp.start
}

// candidate is one way to write a condition: the bytes [start, end) of the
// file replaced by text, giving the scalar the value want.
type candidate struct {
	start, end int
	text, want string
}

// candidates lists the ways to write lines as scalar n, best first: in its
// own style, then single-quoted, then double-quoted.
func candidates(n *yaml.Node, sp span, lines []string, nl string) []candidate {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		indent := strings.Repeat(" ", sp.indent)
		suffix := n.Value[len(strings.TrimRight(n.Value, "\n")):]
		sep := " "
		if n.Style&yaml.LiteralStyle != 0 {
			sep = "\n"
		}
		return []candidate{{sp.body, sp.end, indent + strings.Join(lines, nl+indent), strings.Join(lines, sep) + suffix}}
	}
	line := lines[0]
	sq := candidate{sp.start, sp.end, "'" + strings.ReplaceAll(line, "'", "''") + "'", line}
	dq := candidate{sp.start, sp.end, doubleQuoted(line), line}
	switch {
	case n.Style&yaml.SingleQuotedStyle != 0:
		return []candidate{sq, dq}
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return []candidate{dq}
	}
	return []candidate{{sp.start, sp.end, line, line}, sq, dq}
}

// doubleQuoted writes s as a YAML double-quoted scalar.
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError || r == 0xfeff:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sameBut reports whether YAML text b reads as a, but for the scalar at
// path, whose value in b must be want.
func sameBut(a, b []byte, path []int, want string) bool {
	da, err := decodeAll(a)
	if err != nil {
		return false
	}
	db, err := decodeAll(b)
	if err != nil || len(da) != len(db) {
		return false
	}
	var target *yaml.Node
	if path[0] < len(da) {
		target = da[path[0]]
		for _, i := range path[1:] {
			if i >= len(target.Content) {
				return false
			}
			target = target.Content[i]
		}
	}
	for i := range da {
		if !sameNode(da[i], db[i], target, want) {
			return false
		}
	}
	return true
}

func sameNode(a, b, target *yaml.Node, want string) bool {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Anchor != b.Anchor ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		len(a.Content) != len(b.Content) {
		return false
	}
	if a == target {
		return b.Kind == yaml.ScalarNode && b.Value == want
	}
	if a.Value != b.Value || a.Style != b.Style {
		return false
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i], target, want) {
			return false
		}
	}
	return true
}

// HasConditions reports whether the YAML file at p (slash-separated) is a
// rule file, the kind FormatConditions is for: not ruled.yaml,
// audiences.yaml or a test file.
func HasConditions(p string) bool { return classify(p) == ruleFile }
