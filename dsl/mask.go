package dsl

import (
	"maps"
	"slices"
	"strconv"
	"sync"
)

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
// it keeps its memory between uses. It is not safe for concurrent use.
//
// The texts masks test (categories, SKUs, attribute values) are numbered
// when the masks are built (see MaskKeys), so that an evaluation finds each
// line's texts once, in a table of those numbers, and every test after
// that reads one word: a rule set asks the same few lines for hundreds of
// texts, and hashing each of them again for every test cost more than the
// tests themselves.
type Lines struct {
	env   *Env
	all   uint64
	keys  *MaskKeys
	bits  []uint64 // by key number: the lines with that text (kinds built so far)
	set   []int32  // the numbers whose bits are not zero, to clear them
	ready uint8    // which kinds are built (readyCats…)
}

// AttrValue is an attribute holding a text: a line's attribute name holds
// Value when it is that text, or a list with that text in it (folded).
type AttrValue struct{ Name, Value string }

// Reset points l at env's lines (at most MaxMaskLines of them), dropping
// what it indexed before. keys must be a MaskKeys taken after every mask l
// will be asked was built (a later one is fine); each kind of text is
// looked up on first use.
func (l *Lines) Reset(env *Env, keys *MaskKeys) {
	for _, id := range l.set {
		l.bits[id] = 0
	}
	l.env, l.keys, l.ready, l.set = env, keys, 0, l.set[:0]
	if keys != nil && len(l.bits) < keys.n {
		l.bits = make([]uint64, keys.n)
	}
	l.all = 0
	if n := len(env.Items); n > 0 {
		l.all = ^uint64(0) >> (64 - n)
	}
}

// All is the mask of every line.
func (l *Lines) All() uint64 { return l.all }

// The three kinds are looked up on first use each: a cart whose masks
// only ask for categories never looks at its attributes.
const (
	readyCats uint8 = 1 << iota
	readySKUs
	readyAttrs
)

// known says whether the text numbered id is in l's table; a mask built
// after l's MaskKeys was taken (or past maxMaskKeys) is answered by
// reading the lines instead.
func (l *Lines) known(id int32) bool { return id >= 0 && l.keys != nil && int(id) < l.keys.n }

func (l *Lines) mark(id int32, j int) {
	if l.bits[id] == 0 {
		l.set = append(l.set, id)
	}
	l.bits[id] |= 1 << j
}

// answer is the mask of the text numbered id, of one kind: from the table,
// which index fills for that kind on first use, or, for a text without a
// number in l's MaskKeys, by asking each line whether it has the text.
func (l *Lines) answer(id int32, kind uint8, index func(), has func(*ItemEnv) bool) uint64 {
	if !l.known(id) {
		var m uint64
		for j, it := range l.env.Items {
			if has(it) {
				m |= 1 << j
			}
		}
		return m
	}
	if l.ready&kind == 0 {
		index()
		l.ready |= kind
	}
	return l.bits[id]
}

func (l *Lines) category(id int32, c string) uint64 {
	return l.answer(id, readyCats, l.indexCategories, func(it *ItemEnv) bool { return slices.Contains(it.Categories, c) })
}

func (l *Lines) sku(id int32, s string) uint64 {
	return l.answer(id, readySKUs, l.indexSKUs, func(it *ItemEnv) bool { return it.SKU == s })
}

func (l *Lines) attr(id int32, a AttrValue) uint64 {
	return l.answer(id, readyAttrs, l.indexAttrs, func(it *ItemEnv) bool {
		found := false
		it.EachAttr(func(name string, v *Value) {
			found = found || name == a.Name && (!v.IsList && v.Str == a.Value || v.IsList && slices.Contains(v.List, a.Value))
		})
		return found
	})
}

func (l *Lines) indexCategories() {
	for j, it := range l.env.Items {
		for _, c := range it.Categories {
			if id, ok := l.keys.cats[c]; ok {
				l.mark(id, j)
			}
		}
	}
}

func (l *Lines) indexSKUs() {
	for j, it := range l.env.Items {
		if id, ok := l.keys.skus[it.SKU]; ok {
			l.mark(id, j)
		}
	}
}

func (l *Lines) indexAttrs() {
	for j, it := range l.env.Items {
		it.EachAttr(func(name string, v *Value) {
			if !v.IsList {
				if id, ok := l.keys.attrs[AttrValue{name, v.Str}]; ok {
					l.mark(id, j)
				}
				return
			}
			for _, e := range v.List {
				if id, ok := l.keys.attrs[AttrValue{name, e}]; ok {
					l.mark(id, j)
				}
			}
		})
	}
}

// MaskKeys numbers the texts masks test. Numbers are given as masks are
// built, by every compile of the process alike, and never change; a
// MaskKeys is a snapshot of them, immutable and safe for concurrent use.
type MaskKeys struct {
	cats  map[string]int32
	skus  map[string]int32
	attrs map[AttrValue]int32
	n     int
}

// maxMaskKeys bounds the texts numbered in a process (they are never
// forgotten); masks built past it read the lines for their texts.
const maxMaskKeys = 1 << 16

var maskKeys = struct {
	sync.Mutex
	next MaskKeys  // written under the lock; copied into snapshots
	snap *MaskKeys // the last snapshot, while nothing was numbered since
}{next: MaskKeys{cats: map[string]int32{}, skus: map[string]int32{}, attrs: map[AttrValue]int32{}}}

// keyOf numbers a text of one kind; -1 once maxMaskKeys are numbered.
func keyOf[K comparable](table func(*MaskKeys) map[K]int32, k K) int32 {
	maskKeys.Lock()
	defer maskKeys.Unlock()
	m := table(&maskKeys.next)
	if id, ok := m[k]; ok {
		return id
	}
	if maskKeys.next.n >= maxMaskKeys {
		return -1
	}
	id := int32(maskKeys.next.n)
	m[k] = id
	maskKeys.next.n++
	maskKeys.snap = nil
	return id
}

func catKey(c string) int32 { return keyOf(func(k *MaskKeys) map[string]int32 { return k.cats }, c) }
func skuKey(s string) int32 { return keyOf(func(k *MaskKeys) map[string]int32 { return k.skus }, s) }
func attrKey(a AttrValue) int32 {
	return keyOf(func(k *MaskKeys) map[AttrValue]int32 { return k.attrs }, a)
}

// CurrentMaskKeys is a snapshot of the texts numbered so far: take it
// after building the masks a Lines will be asked.
func CurrentMaskKeys() *MaskKeys {
	maskKeys.Lock()
	defer maskKeys.Unlock()
	if maskKeys.snap == nil {
		next := &maskKeys.next
		maskKeys.snap = &MaskKeys{cats: maps.Clone(next.cats), skus: maps.Clone(next.skus), attrs: maps.Clone(next.attrs), n: next.n}
	}
	return maskKeys.snap
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
		id := catKey(v)
		return func(ls *Lines) uint64 { return ls.category(id, v) }
	case attrTextTest(l, r, op, "Item.Attrs") != nil:
		a := *attrTextTest(l, r, op, "Item.Attrs")
		id := attrKey(a)
		return func(ls *Lines) uint64 { return ls.attr(id, a) }
	case l.code == "Item.SKU" && r.kind == "lit" && r.typ == tString && op == "==":
		v, err := strconv.Unquote(r.code)
		if err != nil {
			return nil
		}
		id := skuKey(v)
		return func(ls *Lines) uint64 { return ls.sku(id, v) }
	case l.code == "Item.SKU" && r.typ == tStrings && r.literal && op == "in":
		set := unquoteAll(r.elems)
		if set == nil {
			return nil
		}
		ids := make([]int32, len(set))
		for i, s := range set {
			ids[i] = skuKey(s)
		}
		return func(ls *Lines) uint64 {
			var m uint64
			for i, s := range set {
				m |= ls.sku(ids[i], s)
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
