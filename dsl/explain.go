package dsl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Clause is a part of a condition that was false, in the rule's own words,
// with the values it saw.
type Clause struct {
	Offset int      // byte offset of Text in the condition
	Text   string   // the clause as written
	Seen   []string // "cart.subtotal = 95.00", ...
}

// Explain says why p was false for env: the clauses that made it false,
// following "and" to its first false part, "or" to every part, down to
// comparisons, calls and fields. It compiles the clauses it visits on the
// spot, which is fine for a debugging aid and keeps the hot path lean. It
// returns nil when p is true or cannot be explained.
func (m *Machine) Explain(p *Program, env any) []Clause {
	if p == nil {
		return nil
	}
	root := p.root()
	if root == nil {
		return nil
	}
	x := explainer{m: m, p: p, env: env}
	if v, ok := x.eval(root); ok && v == true {
		return nil
	}
	return x.why(root)
}

type explainer struct {
	m   *Machine
	p   *Program
	env any
}

func (x *explainer) eval(n *node) (any, bool) {
	if n.code == "" {
		return nil, false
	}
	prog, err := expr.Compile(n.code, exprOptions()...)
	if err != nil {
		return nil, false
	}
	var v vm.VM
	out, err := v.Run(prog, x.env)
	return out, err == nil
}

func (x *explainer) text(n *node) string {
	if n.off < 0 || n.end > len(x.p.src) || n.off >= n.end {
		return ""
	}
	return strings.Join(strings.Fields(x.p.src[n.off:n.end]), " ")
}

// why explains a node known to be false.
func (x *explainer) why(n *node) []Clause {
	switch n.kind {
	case "and":
		for _, k := range n.kids {
			if v, ok := x.eval(k); ok && v == false {
				return x.why(k)
			}
		}
	case "or":
		var out []Clause
		for _, k := range n.kids {
			out = append(out, x.why(k)...)
		}
		return out
	case "not":
		c := Clause{Offset: n.off, Text: x.text(n)}
		c.Seen = append(c.Seen, x.seen(n.kids[0])...)
		if len(c.Seen) == 0 {
			c.Seen = []string{x.text(n.kids[0]) + " is true"}
		}
		return []Clause{c}
	}
	c := Clause{Offset: n.off, Text: x.text(n)}
	for _, k := range n.kids {
		c.Seen = append(c.Seen, x.seen(k)...)
	}
	if n.audience {
		c.Seen = append(c.Seen, "the shopper is not in this audience")
	}
	return []Clause{c}
}

// seen shows the value of an operand, unless it is a literal.
func (x *explainer) seen(n *node) []string {
	if n.literal || n.kind == "and" || n.kind == "or" || n.kind == "not" {
		return nil
	}
	if n.audience {
		return []string{"the shopper is in " + x.text(n)}
	}
	if n.kind == "cmp" {
		var out []string
		for _, k := range n.kids {
			out = append(out, x.seen(k)...)
		}
		return out
	}
	v, ok := x.eval(n)
	if !ok {
		return nil
	}
	return []string{x.text(n) + " = " + show(n.typ, v)}
}

func show(t typ, v any) string {
	switch t {
	case tNumber:
		if i, ok := v.(int); ok {
			return fixed(i)
		}
	case tString:
		if s, ok := v.(string); ok {
			return strconv.Quote(s)
		}
	case tStrings:
		if l, ok := v.([]string); ok {
			return "[" + strings.Join(quoteAll(l), ", ") + "]"
		}
	case tItems:
		if l, ok := v.([]*ItemEnv); ok {
			return fmt.Sprintf("%d lines", len(l))
		}
		if l, ok := v.([]any); ok {
			return fmt.Sprintf("%d lines", len(l))
		}
	case tAttr:
		if s, ok := v.(string); ok {
			return s
		}
	}
	return fmt.Sprint(v)
}

// fixed writes a fixed-point number as a decimal ("95", "19.99").
func fixed(i int) string {
	neg := i < 0
	if neg {
		i = -i
	}
	s := fmt.Sprintf("%d.%04d", i/unit, i%unit)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if neg {
		s = "-" + s
	}
	return s
}
