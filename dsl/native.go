package dsl

import (
	"strconv"
	"strings"
)

// This file compiles the shapes of condition that rules use most into Go
// functions: comparisons of a field with literals, category and attribute
// tests on a line, membership, and and/or/not of these. A condition with
// any other part keeps running on expr alone. The native form answers
// exactly what the expr program answers (TestNativeAgrees checks it on
// every shape); it only spares the virtual machine, reflection and boxed
// arguments on the hot path.

// Native is a condition as a Go function: env is the evaluation's
// environment and item the line asked about (nil in cart conditions; it is
// what `item` means in an action.items condition, instead of env.Item).
type Native func(env *Env, item *ItemEnv) bool

// Native returns the condition as a Go function, or nil when some part of
// it has no native form.
func (p *Program) Native() Native { return p.native }

func nativeOf(n *node) Native {
	switch n.kind {
	case "and", "or":
		kids := make([]Native, len(n.kids))
		for i, k := range n.kids {
			if kids[i] = nativeOf(k); kids[i] == nil {
				return nil
			}
		}
		if n.kind == "and" {
			return func(e *Env, it *ItemEnv) bool {
				for _, k := range kids {
					if !k(e, it) {
						return false
					}
				}
				return true
			}
		}
		return func(e *Env, it *ItemEnv) bool {
			for _, k := range kids {
				if k(e, it) {
					return true
				}
			}
			return false
		}
	case "not":
		if k := nativeOf(n.kids[0]); k != nil {
			return func(e *Env, it *ItemEnv) bool { return !k(e, it) }
		}
	case "call":
		if n.audience {
			auds := n.auds
			return func(e *Env, _ *ItemEnv) bool {
				for _, a := range auds {
					if e.Member[a] {
						return true
					}
				}
				return false
			}
		}
	case "cmp":
		f := compareOf(n)
		if f != nil && n.negated {
			return func(e *Env, it *ItemEnv) bool { return !f(e, it) }
		}
		return f
	}
	return nil
}

// compareOf is the native form of a comparison, without its negation.
func compareOf(n *node) Native {
	if len(n.kids) == 1 { // a bare attribute: is it true
		if a := n.kids[0]; a.typ == tAttr && a.attr.m == "Item.Attrs" {
			name := a.attr.name
			return func(_ *Env, it *ItemEnv) bool { return attrOp(it.Attrs, name, "==", true) }
		}
		return nil
	}
	if len(n.kids) != 2 {
		return nil
	}
	l, r, op := n.kids[0], n.kids[1], n.op
	switch {
	case l.typ == tNumber && r.typ == tNumber && r.kind == "lit":
		get := numberField(l.code)
		v, err := strconv.Atoi(r.code)
		if get == nil || err != nil {
			return nil
		}
		switch op {
		case "==":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) == v }
		case "<":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) < v }
		case "<=":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) <= v }
		case ">":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) > v }
		case ">=":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) >= v }
		}
	case l.typ == tString && r.typ == tString && r.kind == "lit":
		get := stringField(l.code)
		v, err := strconv.Unquote(r.code)
		if get == nil || err != nil {
			return nil
		}
		switch op {
		case "==":
			return func(e *Env, it *ItemEnv) bool { return get(e, it) == v }
		case "contains":
			return func(e *Env, it *ItemEnv) bool { return strings.Contains(get(e, it), v) }
		case "starts":
			return func(e *Env, it *ItemEnv) bool { return strings.HasPrefix(get(e, it), v) }
		case "ends":
			return func(e *Env, it *ItemEnv) bool { return strings.HasSuffix(get(e, it), v) }
		}
	case l.typ == tString && r.typ == tStrings && r.literal && op == "in":
		get, set := stringField(l.code), unquoteAll(r.elems)
		if get == nil || set == nil {
			return nil
		}
		return func(e *Env, it *ItemEnv) bool { return has(set, get(e, it)) }
	case l.typ == tString && l.kind == "lit" && r.code == "Item.Categories" && op == "in",
		r.typ == tString && r.kind == "lit" && l.code == "Item.Categories" && op == "contains":
		lit := l
		if op == "contains" {
			lit = r
		}
		v, err := strconv.Unquote(lit.code)
		if err != nil {
			return nil
		}
		return func(_ *Env, it *ItemEnv) bool { return has(it.Categories, v) }
	case l.typ == tAttr && l.attr.m == "Item.Attrs" && r.kind == "lit":
		name := l.attr.name
		var want any
		switch r.typ {
		case tString:
			v, err := strconv.Unquote(r.code)
			if err != nil {
				return nil
			}
			want = v
		case tNumber:
			v, err := strconv.Atoi(r.code)
			if err != nil {
				return nil
			}
			want = v
		case tBool:
			want = r.code == "true"
		case tStrings:
			set := unquoteAll(r.elems)
			if set == nil {
				return nil
			}
			l := make([]any, len(set))
			for i, s := range set {
				l[i] = s
			}
			want = l
		default:
			return nil
		}
		switch op {
		case "==", "<", "<=", ">", ">=", "in", "contains", "starts", "ends":
			return func(_ *Env, it *ItemEnv) bool { return attrOp(it.Attrs, name, op, want) }
		}
	}
	return nil
}

func unquoteAll(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		s, err := strconv.Unquote(c)
		if err != nil {
			return nil
		}
		out[i] = s
	}
	return out
}

// numberField reads the number field whose expr code is code.
func numberField(code string) func(*Env, *ItemEnv) int {
	switch code {
	case "Cart.Subtotal":
		return func(e *Env, _ *ItemEnv) int { return e.Cart.Subtotal }
	case "Cart.TotalQty":
		return func(e *Env, _ *ItemEnv) int { return e.Cart.TotalQty }
	case "Cart.Weight":
		return func(e *Env, _ *ItemEnv) int { return e.Cart.Weight }
	case "Cart.LineCount":
		return func(e *Env, _ *ItemEnv) int { return e.Cart.LineCount }
	case "Shipping.Amount":
		return func(e *Env, _ *ItemEnv) int { return e.Shipping.Amount }
	case "Item.Qty":
		return func(_ *Env, it *ItemEnv) int { return it.Qty }
	case "Item.Price":
		return func(_ *Env, it *ItemEnv) int { return it.Price }
	case "Item.RowTotal":
		return func(_ *Env, it *ItemEnv) int { return it.RowTotal }
	case "Item.Weight":
		return func(_ *Env, it *ItemEnv) int { return it.Weight }
	case "Item.RowWeight":
		return func(_ *Env, it *ItemEnv) int { return it.RowWeight }
	}
	return nil
}

// stringField reads the text field whose expr code is code.
func stringField(code string) func(*Env, *ItemEnv) string {
	switch code {
	case "Cart.Currency":
		return func(e *Env, _ *ItemEnv) string { return e.Cart.Currency }
	case "Customer.ID":
		return func(e *Env, _ *ItemEnv) string { return e.Customer.ID }
	case "Customer.Group":
		return func(e *Env, _ *ItemEnv) string { return e.Customer.Group }
	case "Coupon":
		return func(e *Env, _ *ItemEnv) string { return e.Coupon }
	case "Shipping.Method":
		return func(e *Env, _ *ItemEnv) string { return e.Shipping.Method }
	case "Shipping.Country":
		return func(e *Env, _ *ItemEnv) string { return e.Shipping.Country }
	case "Shipping.Region":
		return func(e *Env, _ *ItemEnv) string { return e.Shipping.Region }
	case "Shipping.Postcode":
		return func(e *Env, _ *ItemEnv) string { return e.Shipping.Postcode }
	case "Payment.Method":
		return func(e *Env, _ *ItemEnv) string { return e.Payment.Method }
	case "Website":
		return func(e *Env, _ *ItemEnv) string { return e.Website }
	case "Item.SKU":
		return func(_ *Env, it *ItemEnv) string { return it.SKU }
	case "Item.Name":
		return func(_ *Env, it *ItemEnv) string { return it.Name }
	}
	return nil
}
