package loader

import (
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// expr returns the condition written as scalar n, with enough positions to
// map any byte of its text back to the file (see rules.Expr).
func (r *reader) expr(n *yaml.Node) rules.Expr {
	// A condition shared through an alias is mapped once; its rules share
	// the read-only Offsets.
	if e, ok := r.exprs[n]; ok {
		return e
	}
	e := r.newExpr(n)
	if r.exprs == nil {
		r.exprs = map[*yaml.Node]rules.Expr{}
	}
	r.exprs[n] = e
	return e
}

func (r *reader) newExpr(n *yaml.Node) rules.Expr {
	e := rules.Expr{Text: n.Value, Pos: r.pos(n)}
	if e.Text == "" {
		return e
	}
	offs, _ := r.src.align(n)
	e.Pos = offs[0]
	if !verbatim(e.Text, offs) {
		e.Offsets = offs
	}
	return e
}

// verbatim reports whether offs is what rules.Expr.PosAt computes without
// Offsets: text on one line, one column per rune, starting at offs[0]. Only
// rune starts are compared; PosAt is loose inside a multi-byte rune.
func verbatim(text string, offs []diag.Pos) bool {
	want := offs[0]
	for i := 0; i < len(text); {
		if offs[i] != want {
			return false
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		i += n
		want.Col++
	}
	return true
}

// align returns the file position of every byte of scalar n's value. It
// walks the value and the raw source side by side from where the node
// starts, stepping over what YAML removed from the text: anchors and tags,
// quotes, the block scalar header, indentation, folded line breaks and
// escapes. Where the two stop matching (a construct this walk does not
// know), the remaining bytes get the node's position: coarse, never wrong
// by more than the scalar. matched is how many bytes were placed exactly.
func (s *source) align(n *yaml.Node) (offs []diag.Pos, matched int) {
	text := n.Value
	offs = make([]diag.Pos, len(text))
	i := 0
	if c, ok := s.cursorAt(n.Line, n.Column); ok && c.skipProps() {
		a := aligner{cursor: c, dq: n.Style&yaml.DoubleQuotedStyle != 0, sq: n.Style&yaml.SingleQuotedStyle != 0}
		ok := true
		switch {
		case a.dq, a.sq:
			ok = a.skipQuote()
		case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			ok = a.skipHeader()
		}
		if ok {
			i = a.match(text, offs)
		}
	}
	fallback := diag.Pos{File: s.name, Line: n.Line, Col: n.Column}
	for k := i; k < len(text); k++ {
		offs[k] = fallback
	}
	return offs, i
}

// aligner is the state of align's walk over the source.
type aligner struct {
	cursor
	dq, sq bool // double- or single-quoted scalar
	indent int  // block scalar indentation to skip after each line break
}

// skipProps moves past the node's anchor and tag (yaml.Node positions point
// at them) and any blanks, line breaks or comments after them.
func (c *cursor) skipProps() bool {
	for c.peek() == '&' || c.peek() == '!' {
		if c.peek() == '&' {
			// libyaml's anchor names are letters, digits, '_' and '-'.
			for c.next(); isAnchorChar(c.peek()); {
				c.next()
			}
		} else {
			for !c.atEnd() && c.peek() != ' ' && c.peek() != '\t' && c.atBreak() == 0 {
				c.next()
			}
		}
		c.skipSpace()
	}
	return !c.atEnd()
}

// skipSpace moves past blanks, line breaks and comments.
func (c *cursor) skipSpace() {
	for {
		c.skipBlanks()
		switch {
		case c.peek() == '#':
			c.skipLine()
		case c.atBreak() > 0:
			c.next()
		default:
			return
		}
	}
}

func isAnchorChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}

func (a *aligner) skipQuote() bool {
	if (a.dq && a.peek() == '"') || (a.sq && a.peek() == '\'') {
		a.next()
		return true
	}
	return false
}

// skipHeader moves past a block scalar's header line ("|", ">-", "|2 #
// comment"); the text starts on the next line. Without an explicit
// indentation indicator the indentation is that of the first non-blank line.
func (a *aligner) skipHeader() bool {
	if a.peek() != '|' && a.peek() != '>' {
		return false
	}
	a.next()
	explicit := false
	for c := a.peek(); c == '+' || c == '-' || (c >= '1' && c <= '9'); c = a.peek() {
		explicit = explicit || c != '+' && c != '-'
		a.next()
	}
	a.skipLine()
	if explicit {
		// The indentation is relative to the parent, which this walk does
		// not know; match greedily instead (indentation then lands on the
		// text's leading spaces, everything else is still exact).
		return true
	}
	data := a.s.data
	for off := a.off; off < len(data); {
		start := off
		for off < len(data) && data[off] == ' ' {
			off++
		}
		if n := breakLen(data, off); n > 0 {
			off += n
			continue
		}
		a.indent = off - start
		break
	}
	return true
}

// match aligns text with the source from the cursor, filling offs. It
// returns how many bytes of text it placed.
func (a *aligner) match(text string, offs []diag.Pos) int {
	i := 0
	for i < len(text) && !a.atEnd() {
		v, c := text[i], a.peek()
		switch {
		case a.atBreak() > 0:
			// A line break is kept ('\n') or folded (' ') in the value, or
			// dropped (trailing breaks, folding before a blank line).
			if v == '\n' || v == ' ' {
				offs[i] = a.pos()
				i++
			}
			a.next()
			a.skipIndent()
		case a.dq && c == '\\':
			p := a.pos()
			n, ok := a.escape(text[i:])
			if !ok {
				return i
			}
			for k := range n {
				offs[i+k] = p
			}
			i += n
		case a.sq && c == '\'':
			// Inside single quotes only '' can appear: it stands for '.
			if v != '\'' || a.off+1 >= len(a.s.data) || a.s.data[a.off+1] != '\'' {
				return i
			}
			offs[i] = a.pos()
			i++
			a.next()
			a.next()
		case a.dq && c == '"':
			return i // the closing quote: the value has more than the source
		case c == v:
			offs[i] = a.pos()
			i++
			a.next()
		case c == ' ' || c == '\t':
			a.next() // indentation or blanks folded away
		default:
			return i
		}
	}
	return i
}

// skipIndent moves past a block scalar's indentation at the start of a line.
func (a *aligner) skipIndent() {
	for k := 0; k < a.indent && a.peek() == ' '; k++ {
		a.next()
	}
}

// escape matches the double-quoted escape sequence under the cursor with the
// start of text. Every byte it stands for gets the backslash's position. An
// escaped line break stands for nothing: the line's break and the next
// line's leading blanks are skipped. It returns how many bytes of text the
// escape produced.
func (a *aligner) escape(text string) (int, bool) {
	a.next() // the backslash
	if a.atBreak() > 0 {
		a.next()
		a.skipBlanks()
		return 0, true
	}
	c := a.peek()
	var r rune
	if simple, ok := simpleEscape(c); ok {
		r = simple
		a.next()
	} else {
		end := a.off + 1 + hexDigits(c)
		if end == a.off+1 || end > len(a.s.data) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(a.s.data[a.off+1:end]), 16, 32)
		if err != nil {
			return 0, false
		}
		r = rune(v)
		for a.off < end {
			a.next()
		}
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if len(text) < n || text[:n] != string(buf[:n]) {
		return 0, false
	}
	return n, true
}

// hexDigits returns how many hex digits follow escape letter c: \xXX,
// \uXXXX, \UXXXXXXXX; 0 for other letters.
func hexDigits(c byte) int {
	switch c {
	case 'x':
		return 2
	case 'u':
		return 4
	case 'U':
		return 8
	}
	return 0
}

// simpleEscape returns what YAML's one-character escape \c stands for.
func simpleEscape(c byte) (rune, bool) {
	switch c {
	case '0':
		return 0, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 't', '\t':
		return '\t', true
	case 'n':
		return '\n', true
	case 'v':
		return '\v', true
	case 'f':
		return '\f', true
	case 'r':
		return '\r', true
	case 'e':
		return 0x1b, true
	case ' ', '"', '/', '\\':
		return rune(c), true
	case 'N':
		return 0x85, true
	case '_':
		return 0xa0, true
	case 'L':
		return 0x2028, true
	case 'P':
		return 0x2029, true
	}
	return 0, false
}
