package dsl

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// LineWidth is the width fmt keeps conditions within: a condition whose
// one-line form would reach past it is broken before each "and" (or each
// "or") at its top level.
const LineWidth = 100

// FormatCondition writes a condition in its canonical form, from its
// syntax tree: one space around operators and after commas, none inside
// brackets, keywords and functions in lower case (&&, || and ! as and, or
// and not), strings in double quotes; parentheses, numbers and field names
// as written. The result means exactly what src means.
//
// col is the column the condition starts at; 0 keeps it on one line. When
// the one-line form would reach past LineWidth from there, and the
// condition is an "or" (or an "and") of several parts, each part after the
// first goes on its own line, starting with the operator; a file format
// indents those lines as it likes, as both YAML and .rules read line breaks
// as blanks.
//
// A condition that holds # comments is returned as written, line by line
// without surrounding blanks, since the tree has no comments. The error is
// the condition's syntax error (an *Error), if any.
func FormatCondition(src string, col int) ([]string, error) {
	tree, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if hasComments(src) {
		return trimmedLines(src), nil
	}
	var p condPrinter
	p.expr(tree)
	one := p.String()
	if col <= 0 || col-1+utf8.RuneCountInString(one) <= LineWidth {
		return []string{one}, nil
	}
	var lines []string
	switch {
	case len(tree.Terms) > 1:
		for i, t := range tree.Terms {
			var q condPrinter
			if i > 0 {
				q.WriteString("or ")
			}
			q.and(t)
			lines = append(lines, q.String())
		}
	case len(tree.Terms[0].Factors) > 1:
		for i, f := range tree.Terms[0].Factors {
			var q condPrinter
			if i > 0 {
				q.WriteString("and ")
			}
			q.not(f)
			lines = append(lines, q.String())
		}
	default:
		lines = []string{one}
	}
	return lines, nil
}

// EqualConditions reports whether a and b are the same condition, however
// they are laid out and commented: their canonical forms are equal. Text
// that does not parse is compared line by line, blanks around lines and
// blank lines aside (what fmt changes in it).
func EqualConditions(a, b string) bool {
	fa, ea := canonical(a)
	fb, eb := canonical(b)
	if ea != nil || eb != nil {
		return slices.Equal(trimmedLines(a), trimmedLines(b))
	}
	return fa == fb
}

// trimmedLines returns the lines of s without surrounding blanks, blank
// lines left out: how conditions that do not parse, or that hold comments,
// are written back.
func trimmedLines(s string) []string {
	var lines []string
	for l := range strings.Lines(s) {
		// Only the blanks both lexers skip: other spaces are characters.
		if l = strings.Trim(l, " \t\r\n"); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// canonical returns the one-line canonical form of a condition, comments
// dropped.
func canonical(src string) (string, error) {
	tree, err := Parse(src)
	if err != nil {
		return "", err
	}
	var p condPrinter
	p.expr(tree)
	return p.String(), nil
}

// hasComments reports whether a condition holds a # comment.
func hasComments(src string) bool {
	if !strings.Contains(src, "#") {
		return false
	}
	toks, err := lexer.ConsumeAll(mustLex(src))
	if err != nil {
		return true
	}
	for _, t := range toks {
		if t.Type == lex.Symbols()["Comment"] {
			return true
		}
	}
	return false
}

// condPrinter writes a condition's syntax tree in canonical form. Every
// node is written with its own parentheses and words, so parsing the
// output gives back the same tree.
type condPrinter struct{ strings.Builder }

func (p *condPrinter) expr(e *Expr) {
	for i, t := range e.Terms {
		if i > 0 {
			p.WriteString(" or ")
		}
		p.and(t)
	}
}

func (p *condPrinter) and(a *And) {
	for i, f := range a.Factors {
		if i > 0 {
			p.WriteString(" and ")
		}
		p.not(f)
	}
}

func (p *condPrinter) not(n *Not) {
	if n.Negate != nil {
		p.WriteString("not ")
		p.not(n.Negate)
		return
	}
	p.operand(n.Cmp.Left)
	if n.Cmp.Op == nil {
		return
	}
	p.WriteByte(' ')
	p.operator(n.Cmp.Op)
	p.WriteByte(' ')
	p.operand(n.Cmp.Right)
}

func (p *condPrinter) operator(o *Operator) {
	set := o.Set
	if o.Negate != nil {
		p.WriteString("not ")
		set = o.Negate
	}
	switch {
	case set == nil:
		p.WriteString(o.Cmp)
	case set.With != "":
		p.WriteString(strings.ToLower(set.With) + " with")
	default:
		p.WriteString(strings.ToLower(set.Op))
	}
}

func (p *condPrinter) operand(o *Operand) {
	switch {
	case o.Number != nil:
		p.WriteString(*o.Number)
	case o.String != nil:
		p.WriteString(strconv.Quote(*o.String))
	case o.Bool != nil:
		p.WriteString(strings.ToLower(*o.Bool))
	case o.List != nil:
		p.WriteByte('[')
		for i, it := range o.List.Items {
			if i > 0 {
				p.WriteString(", ")
			}
			p.operand(it)
		}
		p.WriteByte(']')
	case o.Call != nil:
		name := o.Call.Name
		if _, known := functions[strings.ToLower(name)]; known {
			name = strings.ToLower(name)
		}
		p.WriteString(name)
		p.WriteByte('(')
		for i, a := range o.Call.Args {
			if i > 0 {
				p.WriteString(", ")
			}
			p.expr(a)
		}
		p.WriteByte(')')
	case o.Path != nil:
		for i, id := range o.Path.Parts {
			if i > 0 {
				p.WriteByte('.')
			}
			p.WriteString(id.Name)
		}
	case o.Paren != nil:
		p.WriteByte('(')
		p.expr(o.Paren)
		p.WriteByte(')')
	}
}
