package dsl

import "strconv"

// This file answers a line condition for every line of a cart at once, as
// a bit mask (bit j is line j), for carts of up to 64 lines: category and
// SKU tests become one lookup in an index of the cart's lines built once
// per evaluation, and/or/not become bit operations, and every other part
// with a native form (native.go) runs line by line. A rule set asks
// hundreds of distinct line conditions of the same few lines; this makes
// each cost about as much as one line did.

// MaxMaskLines is the most lines a mask holds.
const MaxMaskLines = 64

// Lines is a cart's lines indexed for masks. Reset it for each evaluation;
// it keeps its maps between uses. It is not safe for concurrent use.
type Lines struct {
	env   *Env
	all   uint64
	cats  map[string]uint64
	skus  map[string]uint64
	attrs map[AttrValue]uint64
	ready uint8 // which indexes are built (readyCats…)
}

// AttrValue is an attribute holding a text: a line's attribute name holds
// Value when it is that text, or a list with that text in it (folded).
type AttrValue struct{ Name, Value string }

// Reset points l at env's lines (at most MaxMaskLines of them), dropping
// what it indexed before; the index is built on first use.
func (l *Lines) Reset(env *Env) {
	l.env, l.ready = env, 0
	l.all = 0
	if n := len(env.Items); n > 0 {
		l.all = ^uint64(0) >> (64 - n)
	}
}

// All is the mask of every line.
func (l *Lines) All() uint64 { return l.all }

// The three indexes are built on first use each: a cart whose masks only
// ask for categories never hashes its attributes.
const (
	readyCats uint8 = 1 << iota
	readySKUs
	readyAttrs
)

func (l *Lines) category(c string) uint64 {
	if l.ready&readyCats == 0 {
		if l.cats == nil {
			l.cats = map[string]uint64{}
		}
		clear(l.cats)
		for j, it := range l.env.Items {
			for _, c := range it.Categories {
				l.cats[c] |= 1 << j
			}
		}
		l.ready |= readyCats
	}
	return l.cats[c]
}

func (l *Lines) attr(a AttrValue) uint64 {
	if l.ready&readyAttrs == 0 {
		if l.attrs == nil {
			l.attrs = map[AttrValue]uint64{}
		}
		clear(l.attrs)
		for j, it := range l.env.Items {
			bit := uint64(1) << j
			it.EachAttr(func(name string, v *Value) {
				if !v.IsList {
					l.attrs[AttrValue{name, v.Str}] |= bit
					return
				}
				for _, e := range v.List {
					l.attrs[AttrValue{name, e}] |= bit
				}
			})
		}
		l.ready |= readyAttrs
	}
	return l.attrs[a]
}

func (l *Lines) sku(s string) uint64 {
	if l.ready&readySKUs == 0 {
		if l.skus == nil {
			l.skus = map[string]uint64{}
		}
		clear(l.skus)
		for j, it := range l.env.Items {
			l.skus[it.SKU] |= 1 << j
		}
		l.ready |= readySKUs
	}
	return l.skus[s]
}

// Mask is a line condition over every line of a cart at once.
type Mask func(l *Lines) uint64

// Mask returns the condition as a Mask, or nil when some part of it has no
// native form. Only line conditions (Options.Item) have one.
func (p *Program) Mask() Mask { return p.mask }

func maskOf(n *node) Mask {
	switch n.kind {
	case "and", "or":
		kids := make([]Mask, len(n.kids))
		for i, k := range n.kids {
			if kids[i] = maskOf(k); kids[i] == nil {
				return nil
			}
		}
		if n.kind == "and" {
			return func(l *Lines) uint64 {
				m := l.all
				for _, k := range kids {
					if m &= k(l); m == 0 {
						break
					}
				}
				return m
			}
		}
		return func(l *Lines) uint64 {
			var m uint64
			for _, k := range kids {
				if m |= k(l); m == l.all {
					break
				}
			}
			return m
		}
	case "not":
		if k := maskOf(n.kids[0]); k != nil {
			return func(l *Lines) uint64 { return l.all &^ k(l) }
		}
		return nil
	case "cmp":
		if m := lookupOf(n); m != nil {
			if n.negated {
				return func(l *Lines) uint64 { return l.all &^ m(l) }
			}
			return m
		}
	}
	f := nativeOf(n)
	if f == nil {
		return nil
	}
	return func(l *Lines) uint64 {
		var m uint64
		for j, it := range l.env.Items {
			if f(l.env, it) {
				m |= 1 << j
			}
		}
		return m
	}
}

// lookupOf is the mask of a category or SKU test as index lookups, without
// its negation; nil for other comparisons.
func lookupOf(n *node) Mask {
	if len(n.kids) != 2 {
		return nil
	}
	l, r, op := n.kids[0], n.kids[1], n.op
	switch {
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
		return func(ls *Lines) uint64 { return ls.category(v) }
	case attrTextTest(l, r, op, "Item.Attrs") != nil:
		a := *attrTextTest(l, r, op, "Item.Attrs")
		return func(ls *Lines) uint64 { return ls.attr(a) }
	case l.code == "Item.SKU" && r.kind == "lit" && r.typ == tString && op == "==":
		v, err := strconv.Unquote(r.code)
		if err != nil {
			return nil
		}
		return func(ls *Lines) uint64 { return ls.sku(v) }
	case l.code == "Item.SKU" && r.typ == tStrings && r.literal && op == "in":
		set := unquoteAll(r.elems)
		if set == nil {
			return nil
		}
		return func(ls *Lines) uint64 {
			var m uint64
			for _, s := range set {
				m |= ls.sku(s)
			}
			return m
		}
	}
	return nil
}

// attrTextTest is the attribute value a comparison `item.attributes.x == "t"`
// (of the line whose attributes' code is attrs) asks for, when equality
// with text is all it means: the attribute is that text, or a list holding
// it. Text that may be a number is left out: "42" also equals 42.0.
func attrTextTest(l, r *node, op, attrs string) *AttrValue {
	if op != "==" || l.typ != tAttr || l.attr.m != attrs || r.kind != "lit" || r.typ != tString {
		return nil
	}
	v, err := strconv.Unquote(r.code)
	if err != nil || mayBeNumber(v) {
		return nil
	}
	return &AttrValue{l.attr.name, v}
}
