package dsl

import (
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// quickParse parses the conditions people write, the common case, by
// hand: the same grammar as the participle parser (grammar.go), giving the
// same tree with the same positions, many times faster (a large rule set
// has tens of thousands of conditions to parse on every full load). It
// gives up, returning nil, on anything out of the ordinary (a syntax
// error, a keyword where a name goes, an escape in a string) and Parse
// then asks participle, whose errors are the ones reported. A test holds
// the two to the same trees.
func quickParse(src string) *Expr {
	start := lexer.Position{Line: 1, Column: 1}
	q := &quick{src: src, pos: start, end: start}
	q.next()
	e := q.expr()
	if e == nil || q.kind != tkEOF {
		return nil
	}
	return e
}

// Token kinds of the condition lexer (grammar.go's lex).
const (
	tkEOF = iota
	tkNumber
	tkString
	tkIdent
	tkOp
	tkPunct
	tkBad // anything quickParse leaves to participle
)

type quick struct {
	src string
	// The current token: its kind, text (unquoted for strings) and
	// position; end is where it ends, and the position after it.
	kind int
	text string
	at   lexer.Position
	end  lexer.Position
	// pos is where the lexer stands; prevEnd where the token before the
	// current one ended.
	pos     lexer.Position
	prevEnd lexer.Position
}

// advance moves the lexer over n bytes, as lexer.Position.Advance does.
func (q *quick) advance(n int) {
	q.pos.Advance(q.src[q.pos.Offset : q.pos.Offset+n])
}

// next reads the next token, skipping whitespace and comments.
func (q *quick) next() {
	q.prevEnd = q.end
	for {
		i := q.pos.Offset
		if i >= len(q.src) {
			q.kind, q.text, q.at, q.end = tkEOF, "", q.pos, q.pos
			return
		}
		switch c := q.src[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			n := 1
			for i+n < len(q.src) && strings.IndexByte(" \t\r\n", q.src[i+n]) >= 0 {
				n++
			}
			q.advance(n)
			continue
		case c == '#':
			n := strings.IndexByte(q.src[i:], '\n')
			if n < 0 {
				n = len(q.src) - i
			}
			q.advance(n)
			continue
		}
		break
	}
	i := q.pos.Offset
	q.at = q.pos
	c := q.src[i]
	n, kind := 1, tkBad
	switch {
	case '0' <= c && c <= '9':
		for i+n < len(q.src) && isDigit(q.src[i+n]) {
			n++
		}
		if i+n+1 < len(q.src) && q.src[i+n] == '.' && isDigit(q.src[i+n+1]) {
			n += 2
			for i+n < len(q.src) && isDigit(q.src[i+n]) {
				n++
			}
		}
		kind = tkNumber
	case c == '"' || c == '\'':
		// Only strings without escapes, of valid UTF-8 (participle's
		// unquoting turns invalid bytes into U+FFFD).
		j := i + 1
		for j < len(q.src) && q.src[j] != c && q.src[j] != '\\' && q.src[j] != '\n' {
			j++
		}
		if j < len(q.src) && q.src[j] == c && utf8.ValidString(q.src[i+1:j]) {
			n, kind = j+1-i, tkString
			if grammarLiteral(q.src[i+1 : j]) {
				// participle matches the grammar's literals by value,
				// a string's too: "not" in x is not read as a string.
				kind = tkBad
			}
		}
	case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		for i+n < len(q.src) && (q.src[i+n] == '_' || isDigit(q.src[i+n]) || 'a' <= q.src[i+n] && q.src[i+n] <= 'z' || 'A' <= q.src[i+n] && q.src[i+n] <= 'Z') {
			n++
		}
		kind = tkIdent
	case strings.IndexByte("()[],.", c) >= 0:
		kind = tkPunct
	case strings.IndexByte("-=!<>&|", c) >= 0:
		kind = tkOp
		if i+1 < len(q.src) {
			switch q.src[i : i+2] {
			case "==", "!=", "<=", ">=", "=>", "=<", "&&", "||":
				n = 2
			}
		}
	}
	q.kind, q.text = kind, q.src[i:i+n]
	if kind == tkString {
		q.text = q.text[1 : len(q.text)-1]
	}
	q.advance(n)
	q.end = q.pos
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// literals are the grammar's literal tokens (grammar.go's parser tags).
var literals = []string{"or", "||", "and", "&&", "not", "!", "==", "!=", "<=", ">=", "<", ">",
	"in", "contains", "starts", "ends", "with", "-", "true", "false", "(", ")", "[", "]", ",", "."}

// grammarLiteral reports whether a string's text is one of the grammar's
// literals, ignoring case.
func grammarLiteral(s string) bool {
	for _, l := range literals {
		if strings.EqualFold(s, l) {
			return true
		}
	}
	return false
}

// keywords are the words of the grammar; quickParse takes none of them
// for a name.
var keywords = []string{"and", "or", "not", "in", "contains", "starts", "ends", "with", "true", "false"}

// is says whether the current token is the grammar literal lit: words
// match identifiers case-insensitively, operators and punctuation exactly.
func (q *quick) is(lit string) bool {
	switch q.kind {
	case tkIdent:
		return strings.EqualFold(q.text, lit)
	case tkOp, tkPunct:
		return q.text == lit
	}
	return false
}

func (q *quick) keyword() bool {
	if q.kind != tkIdent {
		return false
	}
	for _, k := range keywords {
		if strings.EqualFold(q.text, k) {
			return true
		}
	}
	return false
}

// Each rule below returns nil when it gives up.

func (q *quick) expr() *Expr {
	e := &Expr{Pos: q.at}
	for {
		t := q.and()
		if t == nil {
			return nil
		}
		e.Terms = append(e.Terms, t)
		if !q.is("or") && !q.is("||") {
			break
		}
		q.next()
	}
	e.EndPos = q.last()
	return e
}

// last is the position after the last token read (participle's EndPos).
func (q *quick) last() lexer.Position { return q.prevEnd }

func (q *quick) and() *And {
	a := &And{Pos: q.at}
	for {
		f := q.not()
		if f == nil {
			return nil
		}
		a.Factors = append(a.Factors, f)
		if !q.is("and") && !q.is("&&") {
			break
		}
		q.next()
	}
	a.EndPos = q.last()
	return a
}

func (q *quick) not() *Not {
	n := &Not{Pos: q.at}
	if q.is("not") || q.is("!") {
		q.next()
		if n.Negate = q.not(); n.Negate == nil {
			return nil
		}
	} else if n.Cmp = q.comparison(); n.Cmp == nil {
		return nil
	}
	n.EndPos = q.last()
	return n
}

func (q *quick) comparison() *Comparison {
	c := &Comparison{Pos: q.at}
	if c.Left = q.operand(); c.Left == nil {
		return nil
	}
	op := &Operator{Pos: q.at}
	switch {
	case q.is("not"):
		q.next()
		if op.Negate = q.setOp(); op.Negate == nil {
			return nil
		}
	case q.is("in") || q.is("contains") || q.is("starts") || q.is("ends"):
		if op.Set = q.setOp(); op.Set == nil {
			return nil
		}
	case q.kind == tkOp && (q.text == "==" || q.text == "!=" || q.text == "<=" || q.text == ">=" || q.text == "<" || q.text == ">"):
		op.Cmp = q.text
		q.next()
	default:
		c.EndPos = q.last()
		return c
	}
	c.Op = op
	if c.Right = q.operand(); c.Right == nil {
		return nil
	}
	c.EndPos = q.last()
	return c
}

func (q *quick) setOp() *SetOp {
	switch {
	case q.is("in") || q.is("contains"):
		s := &SetOp{Op: q.text}
		q.next()
		return s
	case q.is("starts") || q.is("ends"):
		s := &SetOp{With: q.text}
		q.next()
		if !q.is("with") {
			return nil
		}
		q.next()
		return s
	}
	return nil
}

func (q *quick) operand() *Operand {
	o := &Operand{Pos: q.at}
	switch {
	case q.kind == tkOp && q.text == "-":
		q.next()
		if q.kind != tkNumber {
			return nil
		}
		s := "-" + q.text
		o.Number = &s
		q.next()
	case q.kind == tkNumber:
		s := q.text
		o.Number = &s
		q.next()
	case q.kind == tkString:
		s := q.text
		o.String = &s
		q.next()
	case q.is("true") || q.is("false"):
		s := q.text
		o.Bool = &s
		q.next()
	case q.is("["):
		if o.List = q.list(); o.List == nil {
			return nil
		}
	case q.kind == tkIdent && !q.keyword():
		if q.peekParen() {
			if o.Call = q.call(); o.Call == nil {
				return nil
			}
		} else if o.Path = q.path(); o.Path == nil {
			return nil
		}
	case q.is("("):
		q.next()
		if o.Paren = q.expr(); o.Paren == nil || !q.is(")") {
			return nil
		}
		q.next()
	default:
		return nil
	}
	o.EndPos = q.last()
	return o
}

// peekParen says whether the token after the current one is "(".
func (q *quick) peekParen() bool {
	save := *q
	q.next()
	ok := q.is("(")
	*q = save
	return ok
}

func (q *quick) list() *List {
	l := &List{Pos: q.at}
	q.next() // [
	for !q.is("]") {
		it := q.operand()
		if it == nil {
			return nil
		}
		l.Items = append(l.Items, it)
		if !q.is(",") {
			break
		}
		q.next()
	}
	if !q.is("]") {
		return nil
	}
	q.next()
	return l
}

func (q *quick) call() *Call {
	c := &Call{Pos: q.at, Name: q.text}
	q.next() // the name
	q.next() // (
	if !q.is(")") {
		for {
			a := q.expr()
			if a == nil {
				return nil
			}
			c.Args = append(c.Args, a)
			if !q.is(",") {
				break
			}
			q.next()
		}
	}
	if !q.is(")") {
		return nil
	}
	q.next()
	c.EndPos = q.last()
	return c
}

func (q *quick) path() *Path {
	p := &Path{Pos: q.at}
	for {
		if q.kind != tkIdent || q.keyword() {
			return nil
		}
		p.Parts = append(p.Parts, &Ident{Pos: q.at, Name: q.text})
		q.next()
		if !q.is(".") {
			return p
		}
		q.next()
	}
}
