package dsl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// node is a checked, typed clause of a condition with its expr code. The
// tree is kept in the Program for explanations.
type node struct {
	off, end int    // byte span in the source
	typ      typ    //
	code     string // expr code
	kind     string // "or", "and", "not", "cmp", "call", "path", "lit"
	kids     []*node
	attr     *attrRef // set when typ == tAttr
	literal  bool     // a literal value (no need to show what it was)
	audience bool     // an audience(...) call
	auds     []int    // for an audience(...) call: the registry indexes it names
	body     *node    // for any/all/none/filter/count/sum: what is asked of each line
	op       string   // for a comparison: its canonical operator (see Operator.name)
	negated  bool     // for a comparison: the operator was negated (!=, not in)
	elems    []string // for a literal list: the code of each element
	fn       string   // for a call: the function's name
}

type attrRef struct{ m, name string }

// scope tells what `item` means where a clause is checked.
type scope struct {
	item string // expr code for the current line: "Item", "#", or "" when item is unknown
}

type checker struct {
	src       string
	opts      Options
	errs      []*Error
	audiences map[int]bool
	paths     map[string]bool
}

func (c *checker) errorf(off int, code, format string, args ...any) {
	c.errs = append(c.errs, &Error{Offset: off, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) bad(off, end int) *node { return &node{off: off, end: end} }

func (c *checker) text(n *node) string {
	if n.off < 0 || n.end > len(c.src) || n.off >= n.end {
		return ""
	}
	return strings.TrimSpace(c.src[n.off:n.end])
}

func (c *checker) expr(e *Expr, s scope) *node {
	if len(e.Terms) == 1 {
		return c.and(e.Terms[0], s)
	}
	kids := make([]*node, len(e.Terms))
	for i, t := range e.Terms {
		kids[i] = c.and(t, s)
	}
	return c.junction("or", "||", e.Pos.Offset, e.EndPos.Offset, kids)
}

func (c *checker) and(a *And, s scope) *node {
	if len(a.Factors) == 1 {
		return c.not(a.Factors[0], s)
	}
	kids := make([]*node, len(a.Factors))
	for i, f := range a.Factors {
		kids[i] = c.not(f, s)
	}
	return c.junction("and", "&&", a.Pos.Offset, a.EndPos.Offset, kids)
}

// junction joins conditions with "and" or "or"; each side must be
// true/false.
func (c *checker) junction(kind, op string, off, end int, kids []*node) *node {
	n := &node{off: off, end: end, typ: tBool, kind: kind}
	parts := make([]string, len(kids))
	for i, k := range kids {
		k = c.boolean(k, kind)
		n.kids = append(n.kids, k)
		parts[i] = k.code
	}
	n.code = "(" + strings.Join(parts, " "+op+" ") + ")"
	return n
}

func (c *checker) not(x *Not, s scope) *node {
	if x.Negate == nil {
		return c.comparison(x.Cmp, s)
	}
	k := c.boolean(c.not(x.Negate, s), "not")
	return &node{off: x.Pos.Offset, end: x.EndPos.Offset, typ: tBool, kind: "not", kids: []*node{k}, code: "!(" + k.code + ")"}
}

// boolean checks that n can stand where true/false is needed; a bare
// attribute means "is true".
func (c *checker) boolean(n *node, where string) *node {
	switch n.typ {
	case tBool, 0:
		return n
	case tAttr:
		return &node{off: n.off, end: n.end, typ: tBool, kind: "cmp", kids: []*node{n},
			code: fmt.Sprintf("attrOp(%s, %q, \"==\", true)", n.attr.m, n.attr.name)}
	}
	hint := ""
	switch n.typ {
	case tNumber:
		hint = fmt.Sprintf(": compare it, e.g. %s >= 1", c.text(n))
	case tString:
		hint = fmt.Sprintf(": compare it, e.g. %s == \"value\"", c.text(n))
	case tItems, tStrings:
		hint = ": use any(...), count(...) or in"
	}
	if where == "" {
		c.errorf(n.off, "not-a-condition", "%s is %s, not true/false%s", quoteText(c.text(n)), n.typ, hint)
	} else {
		c.errorf(n.off, "not-a-condition", "%s is %s, but %q needs true/false on each side%s", quoteText(c.text(n)), n.typ, where, hint)
	}
	return c.bad(n.off, n.end)
}

func quoteText(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}

func (c *checker) comparison(x *Comparison, s scope) *node {
	left := c.operand(x.Left, s)
	if x.Op == nil {
		return left
	}
	right := c.operand(x.Right, s)
	n := &node{off: x.Pos.Offset, end: x.EndPos.Offset, typ: tBool, kind: "cmp", kids: []*node{left, right}}
	if left.typ == 0 || right.typ == 0 {
		return c.bad(n.off, n.end)
	}
	op, negate := x.Op.name()
	n.op, n.negated = op, negate
	code, ok := c.lowerCompare(op, left, right, x.Op.Pos.Offset)
	if !ok {
		return c.bad(n.off, n.end)
	}
	if negate {
		code = "!(" + code + ")"
	}
	n.code = code
	return n
}

// name returns the operator's canonical word and whether it is negated.
func (o *Operator) name() (string, bool) {
	set := o.Set
	neg := false
	if o.Negate != nil {
		set, neg = o.Negate, true
	}
	if set == nil {
		if o.Cmp == "!=" {
			return "==", true
		}
		return o.Cmp, false
	}
	if set.With != "" {
		return strings.ToLower(set.With), neg // "starts" / "ends"
	}
	return strings.ToLower(set.Op), neg
}

var exprOps = map[string]string{"starts": "startsWith", "ends": "endsWith", "contains": "contains"}

func opText(op string) string {
	switch op {
	case "starts", "ends":
		return op + " with"
	}
	return op
}

// lowerCompare writes the expr code for "left op right" after checking
// that the operator makes sense for the two types.
func (c *checker) lowerCompare(op string, l, r *node, opOff int) (string, bool) {
	mismatch := func(hint string) (string, bool) {
		c.errorf(opOff, "type-mismatch", "cannot use %s between %s (%s) and %s (%s)%s",
			opText(op), quoteText(c.text(l)), l.typ, quoteText(c.text(r)), r.typ, hint)
		return "", false
	}
	// Attributes are typed at run time: hand them to attrOp.
	if l.typ == tAttr || r.typ == tAttr {
		if l.typ == tAttr && r.typ == tAttr {
			return mismatch(": compare an attribute with a value")
		}
		if r.typ == tAttr {
			switch op {
			case "in":
				return fmt.Sprintf("attrOp(%s, %q, \"has\", %s)", r.attr.m, r.attr.name, l.code), true
			case "==", "<", "<=", ">", ">=":
				return c.lowerCompare(flip(op), r, l, opOff)
			}
			return mismatch(": put the attribute on the left")
		}
		switch {
		case r.typ == tItems || r.typ == tBool && op != "==":
			return mismatch("")
		case (op == "in") != (r.typ == tStrings || r.typ == tNumbers) && op != "contains":
			return mismatch(": in needs a list on the right; other operators need a single value")
		}
		return fmt.Sprintf("attrOp(%s, %q, %q, %s)", l.attr.m, l.attr.name, op, r.code), true
	}
	switch {
	case l.typ == tNumber && r.typ == tNumber:
		if op == "==" || op == "<" || op == "<=" || op == ">" || op == ">=" {
			return fmt.Sprintf("%s %s %s", l.code, op, r.code), true
		}
	case l.typ == tNumber && r.typ == tNumbers && op == "in":
		return fmt.Sprintf("%s in %s", l.code, r.code), true
	case l.typ == tString && r.typ == tString:
		switch op {
		case "==":
			return fmt.Sprintf("%s == %s", l.code, r.code), true
		case "<", "<=", ">", ">=":
			return fmt.Sprintf("cmpStr(%s, %s) %s 0", l.code, r.code, op), true
		case "contains", "starts", "ends":
			return fmt.Sprintf("%s %s %s", l.code, exprOps[op], r.code), true
		case "in":
			return mismatch(": in needs a list on the right, e.g. [\"a\", \"b\"]")
		}
	case l.typ == tString && r.typ == tStrings && op == "in":
		if r.literal { // expr turns a constant list into a set lookup
			return fmt.Sprintf("%s in %s", l.code, r.code), true
		}
		return fmt.Sprintf("has(%s, %s)", r.code, l.code), true
	case l.typ == tStrings && r.typ == tString && op == "contains":
		if l.literal { // a constant list: expr's in takes it as it is (has wants []string)
			return fmt.Sprintf("%s in %s", r.code, l.code), true
		}
		return fmt.Sprintf("has(%s, %s)", l.code, r.code), true
	case l.typ == tStrings && r.typ == tStrings && (op == "in" || op == "contains"):
		return fmt.Sprintf("intersects(%s, %s)", l.code, r.code), true
	case l.typ == tStrings && r.typ == tString && op == "==":
		return mismatch(fmt.Sprintf(": a list holds many values; write %s in %s", c.text(r), c.text(l)))
	case l.typ == tBool && r.typ == tBool && op == "==":
		return fmt.Sprintf("%s == %s", l.code, r.code), true
	case l.typ == tNumber && r.typ == tString, l.typ == tString && r.typ == tNumber:
		return mismatch(": quote numbers compared with text (\"90210\"), or compare a number field with a number")
	}
	return mismatch("")
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func (c *checker) operand(o *Operand, s scope) *node {
	n := &node{off: o.Pos.Offset, end: o.EndPos.Offset, kind: "lit", literal: true}
	switch {
	case o.Number != nil:
		d, err := money.Parse(*o.Number)
		if err != nil {
			c.errorf(n.off, "bad-number", "%q is not a number", *o.Number)
			return c.bad(n.off, n.end)
		}
		if d.Places() > Scale {
			c.errorf(n.off, "bad-number", "%s has more than %d decimal places", *o.Number, Scale)
			return c.bad(n.off, n.end)
		}
		v, ok := Number(d)
		if !ok {
			c.errorf(n.off, "bad-number", "%s is too large", *o.Number)
			return c.bad(n.off, n.end)
		}
		n.typ, n.code = tNumber, strconv.Itoa(v)
	case o.String != nil:
		n.typ, n.code = tString, strconv.Quote(Fold(*o.String))
	case o.Bool != nil:
		n.typ, n.code = tBool, strings.ToLower(*o.Bool)
	case o.List != nil:
		return c.list(o.List, n)
	case o.Call != nil:
		return c.call(o.Call, s)
	case o.Path != nil:
		return c.path(o.Path, s, n)
	case o.Paren != nil:
		inner := c.expr(o.Paren, s)
		if inner.typ == 0 {
			return inner
		}
		cp := *inner
		cp.off, cp.end = n.off, n.end
		cp.code = "(" + inner.code + ")"
		return &cp
	}
	return n
}

func (c *checker) list(l *List, n *node) *node {
	var parts []string
	elem := typ(0)
	for _, it := range l.Items {
		if it.Number == nil && it.String == nil {
			c.errorf(it.Pos.Offset, "bad-list", "lists hold quoted strings or numbers, e.g. [\"a\", \"b\"] or [1, 2]")
			return c.bad(n.off, n.end)
		}
		k := c.operand(it, scope{})
		if k.typ == 0 {
			return c.bad(n.off, n.end)
		}
		if elem != 0 && k.typ != elem {
			c.errorf(it.Pos.Offset, "bad-list", "a list mixes strings and numbers; use one kind")
			return c.bad(n.off, n.end)
		}
		elem = k.typ
		parts = append(parts, k.code)
	}
	n.elems = parts
	n.typ = tStrings
	if elem == tNumber {
		n.typ = tNumbers
	}
	n.code = "[" + strings.Join(parts, ", ") + "]"
	return n
}

func (c *checker) path(p *Path, s scope, n *node) *node {
	n.literal, n.kind = false, "path"
	var names []string
	for _, id := range p.Parts {
		names = append(names, id.Name)
	}
	full := strings.Join(names, ".")
	c.paths[full] = true
	if names[0] == "item" {
		return c.itemPath(p, s, n, full)
	}
	f, ok := cartFields[full]
	if !ok {
		c.unknownField(p.Pos.Offset, full, s)
		return c.bad(n.off, n.end)
	}
	n.typ, n.code = f.typ, f.code
	return n
}

func (c *checker) itemPath(p *Path, s scope, n *node, full string) *node {
	if s.item == "" {
		c.errorf(p.Pos.Offset, "item-outside-items", "item is only known inside any(items, ...), all, none, count, sum and filter, or in action.items")
		return c.bad(n.off, n.end)
	}
	if len(p.Parts) == 1 {
		c.errorf(p.Pos.Offset, "unknown-field", "item is a cart line: use one of its fields, e.g. item.sku, item.qty, item.categories")
		return c.bad(n.off, n.end)
	}
	name := p.Parts[1].Name
	if name == "attributes" {
		if len(p.Parts) != 3 {
			c.errorf(p.Parts[1].Pos.Offset, "unknown-field", "name the attribute: item.attributes.<name>, e.g. item.attributes.brand")
			return c.bad(n.off, n.end)
		}
		n.typ = tAttr
		n.attr = &attrRef{m: s.item + ".Attrs", name: p.Parts[2].Name}
		n.code = fmt.Sprintf("attrText(%s, %q)", n.attr.m, n.attr.name)
		return n
	}
	f, ok := itemFields[name]
	if !ok || len(p.Parts) > 2 {
		c.unknownField(p.Pos.Offset, full, s)
		return c.bad(n.off, n.end)
	}
	n.typ, n.code = f.typ, s.item+"."+f.code
	return n
}

func (c *checker) unknownField(off int, full string, s scope) {
	c.errorf(off, "unknown-field", "unknown field %q%s", full, diag.DidYouMean(full, knownPaths(true)))
	if !strings.Contains(c.errs[len(c.errs)-1].Msg, "did you mean") {
		c.errs[len(c.errs)-1].Msg += "; fields start with cart., customer., shipping., payment., item., or are coupon, website, items"
	}
}

func (c *checker) call(call *Call, s scope) *node {
	name := strings.ToLower(call.Name)
	n := &node{off: call.Pos.Offset, end: call.EndPos.Offset, kind: "call", fn: name}
	sig, ok := functions[name]
	if !ok {
		names := make([]string, 0, len(functions))
		for k := range functions {
			names = append(names, k)
		}
		c.errorf(n.off, "unknown-function", "unknown function %q%s", call.Name, diag.DidYouMean(call.Name, names))
		return c.bad(n.off, n.end)
	}
	argc := func(lo, hi int) bool {
		if len(call.Args) < lo || len(call.Args) > hi {
			c.errorf(n.off, "bad-call", "%s takes %s, got %d argument(s): write %s", name, plural(lo, hi), len(call.Args), sig)
			return false
		}
		return true
	}
	switch name {
	case "audience":
		if !argc(1, 64) {
			return c.bad(n.off, n.end)
		}
		return c.audience(call, n)
	case "any", "all", "none", "filter":
		if !argc(2, 2) {
			return c.bad(n.off, n.end)
		}
		list, pred, ok := c.iterate(call, s, sig, true)
		if !ok {
			return c.bad(n.off, n.end)
		}
		n.typ, n.code, n.kids, n.body = tBool, fmt.Sprintf("%s(%s, %s)", name, list.code, pred.code), []*node{list}, pred
		if name == "filter" {
			n.typ = tItems
		}
	case "count":
		if !argc(1, 2) {
			return c.bad(n.off, n.end)
		}
		if len(call.Args) == 1 {
			list := c.expr(call.Args[0], s)
			if list.typ != tItems && list.typ != 0 {
				c.errorf(list.off, "bad-call", "count needs a list of cart lines first, got %s: write %s", list.typ, sig)
				return c.bad(n.off, n.end)
			}
			n.typ, n.code = tNumber, fmt.Sprintf("(len(%s) * %d)", list.code, unit)
			if list.typ != 0 {
				n.kids = []*node{list}
			}
			break
		}
		list, pred, ok := c.iterate(call, s, sig, true)
		if !ok {
			return c.bad(n.off, n.end)
		}
		n.typ, n.code, n.kids, n.body = tNumber, fmt.Sprintf("(count(%s, %s) * %d)", list.code, pred.code, unit), []*node{list}, pred
	case "sum":
		if !argc(2, 2) {
			return c.bad(n.off, n.end)
		}
		list, val, ok := c.iterate(call, s, sig, false)
		if !ok {
			return c.bad(n.off, n.end)
		}
		n.typ, n.code, n.kids, n.body = tNumber, fmt.Sprintf("sum(%s, %s)", list.code, val.code), []*node{list}, val
	case "defined":
		// Magento's "is undefined" (<=>): whether a value was given at all.
		if !argc(1, 1) {
			return c.bad(n.off, n.end)
		}
		x := c.expr(call.Args[0], s)
		switch x.typ {
		case tAttr:
			n.typ, n.code = tBool, fmt.Sprintf("attrOp(%s, %q, \"defined\", nil)", x.attr.m, x.attr.name)
		case tString:
			n.typ, n.code = tBool, fmt.Sprintf("(%s != \"\")", x.code)
		case 0:
		default:
			c.errorf(x.off, "bad-call", "defined takes an attribute or a text field (e.g. defined(item.attributes.color), defined(shipping.region)), got %s", x.typ)
		}
		if n.typ != 0 {
			n.kids = []*node{x}
		}
	case "len":
		if !argc(1, 1) {
			return c.bad(n.off, n.end)
		}
		x := c.expr(call.Args[0], s)
		if x.typ != tItems && x.typ != tStrings && x.typ != 0 {
			c.errorf(x.off, "bad-call", "len needs a list, got %s", x.typ)
			return c.bad(n.off, n.end)
		}
		n.typ, n.code = tNumber, fmt.Sprintf("(len(%s) * %d)", x.code, unit)
	}
	if n.typ == 0 {
		return c.bad(n.off, n.end)
	}
	return n
}

func plural(lo, hi int) string {
	switch {
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	case hi > 10:
		return fmt.Sprintf("%d or more arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// iterate checks a call whose first argument is a list of lines and whose
// second is evaluated for each line, with `item` bound to it.
func (c *checker) iterate(call *Call, s scope, sig string, wantBool bool) (list, body *node, ok bool) {
	list = c.expr(call.Args[0], s)
	if list.typ == 0 {
		return nil, nil, false
	}
	if list.typ != tItems {
		c.errorf(list.off, "bad-call", "%s needs a list of cart lines first (items or filter(items, ...)), got %s: write %s", strings.ToLower(call.Name), list.typ, sig)
		return nil, nil, false
	}
	body = c.expr(call.Args[1], scope{item: "#"})
	if body.typ == 0 {
		return nil, nil, false
	}
	if wantBool {
		body = c.boolean(body, "")
		return list, body, body.typ != 0
	}
	if body.typ != tNumber {
		c.errorf(body.off, "bad-call", "sum adds numbers, got %s: write %s, e.g. sum(items, item.qty)", body.typ, sig)
		return nil, nil, false
	}
	return list, body, true
}

func (c *checker) audience(call *Call, n *node) *node {
	var parts []string
	for _, a := range call.Args {
		lit := literalString(a)
		if lit == nil {
			c.errorf(a.Pos.Offset, "bad-call", `audience takes audience names in quotes: audience("VIP Shoppers")`)
			return c.bad(n.off, n.end)
		}
		i, ok := c.opts.lookup(*lit)
		if !ok {
			msg := fmt.Sprintf("unknown audience %q", *lit)
			if len(c.opts.Audiences) == 0 {
				msg += "; there is no audience registry (audiences.yaml)"
			} else {
				msg += diag.DidYouMean(*lit, c.opts.names())
			}
			c.errorf(a.Pos.Offset, "unknown-audience", "%s", msg)
			return c.bad(n.off, n.end)
		}
		c.audiences[i] = true
		parts = append(parts, fmt.Sprintf("Member[%d]", i))
	}
	n.typ, n.kind, n.audience = tBool, "call", true
	for i := range call.Args {
		j, _ := c.opts.lookup(*literalString(call.Args[i]))
		n.auds = append(n.auds, j)
	}
	n.code = strings.Join(parts, " || ")
	if len(parts) > 1 {
		n.code = "(" + n.code + ")"
	}
	return n
}

// literalString returns the string if e is nothing but a quoted string.
func literalString(e *Expr) *string {
	if len(e.Terms) != 1 || len(e.Terms[0].Factors) != 1 {
		return nil
	}
	f := e.Terms[0].Factors[0]
	if f.Cmp == nil || f.Cmp.Op != nil || f.Cmp.Left.String == nil {
		return nil
	}
	return f.Cmp.Left.String
}
