package engine

import (
	"github.com/ruled/ruled/dsl"
)

// This file builds what lets an evaluation touch only the rules that can
// apply to its cart, and run each distinct test once:
//
//   - the candidate index, in the spirit of "Indexing Boolean Expressions"
//     (Whang et al., VLDB 2009): every enabled rule is listed under the
//     coupon codes it needs, else under the keys of what it requires of the
//     cart (one of them must hold, see dsl.Requirement and rule.needs): the
//     shopper's audiences, the categories, SKUs and attributes of its lines;
//     else in the
//     list every evaluation checks. A shopper in ten audiences with no coupon
//     reads the always list and the short lists of its audiences and of its
//     lines' categories and SKUs, not the whole rule set;
//   - the distinct clauses of the rules' conditions (their top-level "and"
//     parts) and the distinct action.items predicates, each compiled once
//     per rule set and evaluated at most once per evaluation (per line for
//     the predicates), however many rules share them.
//
// Whether a rule is on, for the cart's website and customer group, and in
// its window is answered for every rule at once, as bitsets the candidates
// are intersected with (filter.go): a candidate those leave out is never
// read.

// clause is a distinct clause of the cart rules' conditions.
type clause struct {
	prog   *dsl.Program
	native dsl.Native // prog as Go code, when it has that form
	// auds is set when the clause only tests membership: it holds when the
	// shopper is in any of them (in none, with negate).
	auds   []int
	negate bool
	// quant is set when the clause quantifies over the lines that satisfy
	// preds[lines] (every line for -1): any, all or none of them, or their
	// count or the sum of field over them compared (op) with value (see
	// dsl.Conjunct).
	quant string
	lines int32
	field func(*dsl.ItemEnv) int
	op    string
	value int
}

// index lists rule indexes (into Program.rules, ascending, so in rule
// order) by what a cart must carry for them to be candidates.
type index struct {
	always     []int32            // enabled rules with no coupon and nothing known they require
	byAudience [][]int32          // per registry index: enabled rules without coupon that may need it
	lineIndex                     // rules that may need a line with a category, SKU or attribute text
	byCoupon   map[string][]int32 // per folded code: every rule that accepts it, disabled ones too
	generated  []int32            // rules that accept their generated codes (checked with Options.Limits)
}

// lineIndex lists rules (or a placement's blocks) under the texts of a
// cart's lines one of which they require.
type lineIndex struct {
	byCategory map[string][]int32        // per folded category
	bySKU      map[string][]int32        // per folded SKU
	byAttr     map[dsl.AttrValue][]int32 // per attribute text
}

func newLineIndex() lineIndex {
	return lineIndex{byCategory: map[string][]int32{}, bySKU: map[string][]int32{}, byAttr: map[dsl.AttrValue][]int32{}}
}

// add lists at under the line texts of need.
func (x *lineIndex) add(at int32, need dsl.Requirement) {
	for _, c := range need.Categories {
		x.byCategory[c] = append(x.byCategory[c], at)
	}
	for _, k := range need.SKUs {
		x.bySKU[k] = append(x.bySKU[k], at)
	}
	for _, a := range need.Attrs {
		x.byAttr[a] = append(x.byAttr[a], at)
	}
}

// lists calls f with the list of each category, SKU and attribute text of
// the lines (f may be given a list more than once).
func (x *lineIndex) lists(items []*dsl.ItemEnv, f func([]int32)) {
	if len(x.byCategory)+len(x.bySKU)+len(x.byAttr) == 0 {
		return
	}
	for _, it := range items {
		for _, c := range it.Categories {
			f(x.byCategory[c])
		}
		f(x.bySKU[it.SKU])
		if len(x.byAttr) == 0 {
			continue
		}
		it.EachAttr(func(name string, v *dsl.Value) {
			if !v.IsList {
				f(x.byAttr[dsl.AttrValue{Name: name, Value: v.Str}])
				return
			}
			for _, e := range v.List {
				f(x.byAttr[dsl.AttrValue{Name: name, Value: e}])
			}
		})
	}
}

// share records the clauses and predicate of every rule and builds the
// index; p.rules are in their final order. Clauses and predicates are
// numbered in the order the rules first use them; the tables are built at
// their final size once the rules are numbered, and the rules' clause lists
// share one array.
func (p *Program) share() {
	total := 0
	for _, r := range p.rules {
		if r.when != nil {
			total += len(r.when.Conjuncts())
		}
	}
	conjs := make([]int32, 0, total)
	clauses := make(map[string]int32, len(p.rules))
	// Rules that share a condition text share its *dsl.Program, and
	// conditions share their recurring clauses (dsl.Cache): most are
	// found by pointer, without hashing their code.
	clauseOf := make(map[*dsl.Program]int32, len(p.rules))
	var firsts []*dsl.Conjunct // by clause id: its first occurrence
	var lines []int32          // by clause id: its lines' predicate
	preds := map[string]int32{}
	predOf := map[*dsl.Program]int32{}
	var predProgs []*dsl.Program
	p.idx = index{byAudience: make([][]int32, len(p.audiences)), lineIndex: newLineIndex(), byCoupon: map[string][]int32{}}
	pred := func(prog *dsl.Program) int32 {
		if prog == nil {
			return -1
		}
		if id, ok := predOf[prog]; ok {
			return id
		}
		key := prog.Code()
		id, ok := preds[key]
		if !ok {
			id = int32(len(predProgs))
			preds[key] = id
			predProgs = append(predProgs, prog)
		}
		predOf[prog] = id
		return id
	}
	for i, r := range p.rules {
		r.pred = pred(r.items)
		if r.when != nil {
			n := len(conjs)
			for _, c := range r.when.Conjuncts() {
				id, ok := clauseOf[c.Program]
				if !ok {
					if id, ok = clauses[c.Key]; !ok {
						id = int32(len(firsts))
						clauses[c.Key] = id
						firsts = append(firsts, c)
						lines = append(lines, pred(c.Lines))
					}
					clauseOf[c.Program] = id
				}
				conjs = append(conjs, id)
			}
			r.conj = conjs[n:len(conjs):len(conjs)]
		}
		at := int32(i)
		for code := range r.coupons {
			p.idx.byCoupon[code] = append(p.idx.byCoupon[code], at)
		}
		if r.GeneratedCoupons {
			p.idx.generated = append(p.idx.generated, at)
		}
		if !r.enabled || r.coupons != nil {
			continue
		}
		need, ok := r.needs()
		if !ok {
			p.idx.always = append(p.idx.always, at)
			continue
		}
		for _, a := range need.Audiences {
			p.idx.byAudience[a] = append(p.idx.byAudience[a], at)
		}
		p.idx.lineIndex.add(at, need)
	}
	p.clauses = make([]clause, len(firsts))
	for id, c := range firsts {
		p.clauses[id] = clause{prog: c.Program, native: c.Program.Native(), auds: c.Audiences, negate: c.Negate,
			quant: c.Quantifier, lines: lines[id], field: c.Field, op: c.Op, value: c.Value}
	}
	p.preds = predProgs[:len(predProgs):len(predProgs)]
	p.predNative = make([]dsl.Native, len(predProgs))
	p.predMask = make([]dsl.Mask, len(predProgs))
	for id, prog := range predProgs {
		p.predNative[id], p.predMask[id] = prog.Native(), prog.Mask()
	}
}

// needs is what a cart must have for the rule to change anything: what
// its condition requires, or, for a rule that does not discount shipping,
// a line its action.items can select (a rule that selects no line and
// leaves shipping alone applies to nothing, marks no free shipping and
// stops nothing); the smaller of the two.
func (r *rule) needs() (dsl.Requirement, bool) {
	var best dsl.Requirement
	found := false
	consider := func(p *dsl.Program) {
		if p == nil {
			return
		}
		if need, ok := p.Requires(); ok && need.Size() > 0 && (!found || need.Size() < best.Size()) {
			best, found = need, true
		}
	}
	consider(r.when)
	if !r.Action.ApplyToShipping {
		consider(r.items)
	}
	return best, found
}
