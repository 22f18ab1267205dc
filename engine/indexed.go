package engine

import (
	"math/bits"
	"slices"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/money"
)

// This file is the indexed walk: the candidates the index gives for the
// cart, in rule order; each distinct clause and item predicate evaluated at
// most once; nothing recorded that only an explanation would read.

// Clause and line states in scratch memos.
const (
	unknown uint8 = iota
	isFalse
	isTrue
	isError
)

// scratch is one evaluation's reusable memory, pooled per Program so that
// a steady stream of evaluations allocates little beyond its Result.
type scratch struct {
	clauseVal  []uint8 // per clause
	clauseErr  map[int32]error
	setClauses []int32   // clauses to reset
	predVal    [][]uint8 // per predicate: per line, nil until asked
	// With at most dsl.MaxMaskLines lines, predicates that have a mask
	// form are answered for every line at once.
	masks     bool
	lines     dsl.Lines
	linesSet  bool
	predMask  []uint64
	maskKnown []bool
	predAll   [][]bool // per predicate: every line's match, nil until asked
	setPreds  []int32
	bytes     []uint8 // arena for predVal rows
	bools     []bool  // arena for predAll rows, placed, all
	all       []bool  // every line matches
	lineEnv   []dsl.Env
	lineBuilt []bool
	cands     []int32
	extra     []int32
	candBits  []uint64 // one bit per rule, zero between evaluations
	pass      []uint64 // one bit per rule its target filters let through
	order     []int
	attrMaps  []map[string]dsl.Value // lent to the environment, one per line
	attrList  []dsl.NamedValue       // every line's attributes, lent to the environment
	// The environment's and the arithmetic's memory (see start).
	items     []calcItem
	itemEnvs  []dsl.ItemEnv
	itemPtrs  []*dsl.ItemEnv
	member    []bool
	calcRules []calcRule
	ruleIndex []int
	calc      calcMem
	text      text // the Result's strings (evaluate.go)
	ev        evaluation
	// A placement's candidate blocks (blocks.go).
	blockBits  []uint64
	blockCands []int32
}

// maxPooledLines bounds the memory a pooled scratch keeps: one very large
// cart does not make every later evaluation carry its buffers.
const maxPooledLines = 1024

func (p *Program) getScratch(lines int) *scratch {
	s, _ := p.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{clauseVal: make([]uint8, len(p.clauses)), predVal: make([][]uint8, len(p.preds)),
			predAll: make([][]bool, len(p.preds)), clauseErr: map[int32]error{},
			predMask: make([]uint64, len(p.preds)), maskKnown: make([]bool, len(p.preds))}
	}
	s.masks, s.linesSet = lines <= dsl.MaxMaskLines, false
	s.bytes, s.bools = s.bytes[:0], s.bools[:0]
	s.all = s.takeBools(lines)
	for j := range s.all {
		s.all[j] = true
	}
	if cap(s.lineEnv) < lines {
		s.lineEnv = make([]dsl.Env, lines)
		s.lineBuilt = make([]bool, lines)
	}
	s.lineEnv, s.lineBuilt = s.lineEnv[:lines], s.lineBuilt[:lines]
	return s
}

func (p *Program) putScratch(s *scratch) {
	for _, id := range s.setClauses {
		s.clauseVal[id] = unknown
	}
	for _, id := range s.setPreds {
		s.predVal[id], s.predAll[id] = nil, nil
		s.maskKnown[id] = false
	}
	clear(s.clauseErr)
	s.setClauses, s.setPreds = s.setClauses[:0], s.setPreds[:0]
	s.ev = evaluation{} // drop references to the cart and the Result
	clear(s.lineBuilt)
	clear(s.lineEnv) // drop references to the cart
	clear(s.itemEnvs)
	clear(s.itemPtrs)
	if len(s.lineEnv) > maxPooledLines || len(s.attrMaps) > maxPooledLines {
		return
	}
	for _, m := range s.attrMaps {
		clear(m) // drop references to the cart's attribute values
	}
	clear(s.attrList[:cap(s.attrList)])
	p.scratch.Put(s)
}

func (s *scratch) takeBytes(n int) []uint8 { return take(&s.bytes, n) }

func (s *scratch) takeBools(n int) []bool { return take(&s.bools, n) }

// take returns n zeroed elements of the arena, which grows (leaving the
// slices it gave out as they are) when it has no room.
func take[T any](arena *[]T, n int) []T {
	a := *arena
	if len(a)+n > cap(a) {
		a = make([]T, 0, max(2*cap(a), n, 256))
	}
	b := a[len(a) : len(a)+n : len(a)+n]
	*arena = a[:len(a)+n]
	clear(b)
	return b
}

// evaluateIndexed prices a cart through the program's index.
func (p *Program) evaluateIndexed(c *Cart, opt Options) (*Result, error) {
	s := p.getScratch(len(c.Items))
	defer p.putScratch(s)
	ev, in, err := p.start(c, opt, s)
	if err != nil {
		return nil, err
	}
	ev.m = p.machines.Get().(*dsl.Machine)
	defer p.machines.Put(ev.m)

	for _, i := range ev.candidates() {
		r := p.rules[i] // its target filters passed (see candidates)
		if ev.limits != nil {
			if s, _ := ev.gate(r); s != "" {
				continue
			}
		}
		if ok, err := ev.holds(r); err != nil {
			ev.res.Errors = append(ev.res.Errors, RuleError{Rule: r.ID, Message: err.Error()})
			continue
		} else if !ok {
			continue
		}
		matches, err := ev.matches(r.pred)
		if err != nil {
			ev.res.Errors = append(ev.res.Errors, RuleError{Rule: r.ID, Message: err.Error()})
			continue
		}
		if !r.Action.ApplyToShipping && !slices.Contains(matches, true) {
			// No line and not the shipping: the arithmetic would only
			// record that it skipped every line.
			continue
		}
		in.rules = append(in.rules, calcRule{id: r.ID, action: &r.Action, stop: r.StopFurtherRules, matches: matches})
		in.ruleIndex = append(in.ruleIndex, int(i))
	}
	in.order = ev.itemOrder(in.ruleIndex)
	s.calcRules, s.ruleIndex = in.rules[:0], in.ruleIndex[:0] // kept for the next evaluation
	return ev.finish(&in, opt)
}

// candidates returns the indexes of the rules the index lists for the
// cart, ascending: the always list and the lists of the shopper's
// audiences, of the cart's coupon code and of its lines' categories, SKUs
// and attributes; of those, only the rules whose target filters (on,
// website, customer group, window) the cart passes.
func (ev *evaluation) candidates() []int32 {
	p, s := ev.p, ev.s
	words := (len(p.rules) + 63) / 64
	if cap(s.pass) < words {
		s.pass = make([]uint64, words)
	}
	s.pass = s.pass[:words]
	p.filter.pass(s.pass, ev.env.Website, ev.env.Customer.Group, ev.nowNS)
	extra := s.extra[:0]
	for _, id := range ev.cart.Segments {
		if a, ok := p.byID[id]; ok {
			extra = append(extra, p.idx.byAudience[a]...)
		}
	}
	if ev.env.Coupon != "" {
		extra = append(extra, p.idx.byCoupon[ev.env.Coupon]...)
		if ev.limits != nil {
			extra = append(extra, p.idx.generated...)
		}
	}
	p.idx.lists(ev.env.Items, func(l []int32) { extra = append(extra, l...) })
	// The lists are each ascending but overlap: a bit per rule merges
	// them in order without sorting.
	if cap(s.candBits) < words {
		s.candBits = make([]uint64, words)
	}
	set := s.candBits[:words]
	for _, i := range p.idx.always {
		set[i>>6] |= 1 << (i & 63)
	}
	for _, i := range extra {
		set[i>>6] |= 1 << (i & 63)
	}
	s.extra = extra
	out := s.cands[:0]
	for w, word := range set {
		for b := word & s.pass[w]; b != 0; b &= b - 1 {
			out = append(out, int32(w<<6|bits.TrailingZeros64(b)))
		}
		set[w] = 0
	}
	s.cands = out
	return out
}

// holds runs the rule's condition clause by clause, each clause at most
// once per evaluation, stopping at the first false one as the whole
// condition would.
func (ev *evaluation) holds(r *rule) (bool, error) {
	s := ev.s
	for _, id := range r.conj {
		v := s.clauseVal[id]
		if v == unknown {
			v = ev.evalClause(id)
		}
		switch v {
		case isError:
			return false, s.clauseErr[id]
		case isFalse:
			return false, nil
		}
	}
	return true, nil
}

func (ev *evaluation) evalClause(id int32) uint8 {
	c, s := &ev.p.clauses[id], ev.s
	var v uint8
	if c.auds != nil {
		member := false
		for _, a := range c.auds {
			if ev.env.Member[a] {
				member = true
				break
			}
		}
		v = state(member != c.negate)
	} else if c.quant != "" {
		v = ev.quantify(c)
		if v == isError {
			_, err := ev.m.Eval(c.prog, ev.boxed) // the whole clause says what failed
			s.clauseErr[id] = err
		}
	} else if c.native != nil {
		v = state(c.native(&ev.env, nil))
	} else if ok, err := ev.m.Eval(c.prog, ev.boxed); err != nil {
		v = isError
		s.clauseErr[id] = err
	} else {
		v = state(ok)
	}
	s.clauseVal[id] = v
	s.setClauses = append(s.setClauses, id)
	return v
}

// quantify answers a clause over the lines: any, all or none of them
// satisfy its predicate (asked in order until the answer is known), or
// their count or sum compared with a number.
func (ev *evaluation) quantify(c *clause) uint8 {
	if c.lines >= 0 {
		if m, ok := ev.mask(c.lines); ok {
			return ev.quantifyMask(c, m)
		}
	}
	count, sum := 0, 0
	for j := range ev.cart.Items {
		v := isTrue
		if c.lines >= 0 {
			v, _ = ev.lineMatch(c.lines, j)
		}
		switch {
		case v == isError:
			return isError
		case v == isFalse:
			if c.quant == "all" {
				return isFalse
			}
			continue
		case c.quant == "any":
			return isTrue
		case c.quant == "none":
			return isFalse
		}
		count++
		if c.field != nil {
			sum += c.field(ev.env.Items[j])
		}
	}
	x := sum
	switch c.quant {
	case "any":
		return isFalse
	case "all", "none":
		return isTrue
	case "count":
		x = count * dslUnit
	}
	return compare(x, c.op, c.value)
}

// quantifyMask is quantify over the lines a mask holds.
func (ev *evaluation) quantifyMask(c *clause, m uint64) uint8 {
	switch c.quant {
	case "any":
		return state(m != 0)
	case "all":
		return state(m == ev.s.lines.All())
	case "none":
		return state(m == 0)
	}
	x := 0
	if c.quant == "count" {
		x = bits.OnesCount64(m) * dslUnit
	} else {
		for r := m; r != 0; r &= r - 1 {
			x += c.field(ev.env.Items[bits.TrailingZeros64(r)])
		}
	}
	return compare(x, c.op, c.value)
}

func compare(x int, op string, v int) uint8 {
	switch op {
	case "==":
		return state(x == v)
	case "<":
		return state(x < v)
	case "<=":
		return state(x <= v)
	case ">":
		return state(x > v)
	}
	return state(x >= v)
}

// dslUnit is 1 in the fixed-point numbers of conditions.
var dslUnit, _ = dsl.Number(money.One)

func state(b bool) uint8 {
	if b {
		return isTrue
	}
	return isFalse
}

// mask answers predicate pred for every line at once, when the cart and
// the predicate allow it (ok).
func (ev *evaluation) mask(pred int32) (m uint64, ok bool) {
	s := ev.s
	f := ev.p.predMask[pred]
	if !s.masks || f == nil {
		return 0, false
	}
	if s.maskKnown[pred] {
		return s.predMask[pred], true
	}
	if !s.linesSet {
		s.lines.Reset(&ev.env, ev.p.maskKeys)
		s.linesSet = true
	}
	m = f(&s.lines)
	s.predMask[pred], s.maskKnown[pred] = m, true
	if s.predVal[pred] == nil && s.predAll[pred] == nil {
		s.setPreds = append(s.setPreds, pred)
	}
	return m, true
}

// lineMatch runs predicate pred on line j, at most once per evaluation.
func (ev *evaluation) lineMatch(pred int32, j int) (uint8, error) {
	if m, ok := ev.mask(pred); ok {
		return state(m&(1<<j) != 0), nil
	}
	s := ev.s
	row := s.predVal[pred]
	if row == nil {
		row = s.takeBytes(len(s.all))
		s.predVal[pred] = row
		s.setPreds = append(s.setPreds, pred)
	}
	if row[j] != unknown {
		return row[j], nil
	}
	if f := ev.p.predNative[pred]; f != nil {
		row[j] = state(f(&ev.env, ev.env.Items[j]))
		return row[j], nil
	}
	if !s.lineBuilt[j] {
		s.lineEnv[j] = ev.env
		s.lineEnv[j].Item = *ev.env.Items[j]
		s.lineBuilt[j] = true
	}
	ok, err := ev.m.Eval(ev.p.preds[pred], &s.lineEnv[j])
	if err != nil {
		row[j] = isError
		return isError, err
	}
	row[j] = state(ok)
	return row[j], nil
}

// matches returns which lines predicate pred selects (every line for -1).
// The slice is the evaluation's: the arithmetic reads it, nobody keeps it.
func (ev *evaluation) matches(pred int32) ([]bool, error) {
	s := ev.s
	if pred < 0 {
		return s.all, nil
	}
	if m := s.predAll[pred]; m != nil {
		return m, nil
	}
	m := s.takeBools(len(s.all))
	if bits, ok := ev.mask(pred); ok {
		for j := range m {
			m[j] = bits&(1<<j) != 0
		}
		s.predAll[pred] = m
		return m, nil
	}
	for j := range m {
		v, err := ev.lineMatch(pred, j)
		if err != nil {
			return nil, err
		}
		m[j] = v == isTrue
	}
	if s.predVal[pred] == nil { // an empty cart
		s.setPreds = append(s.setPreds, pred)
	}
	s.predAll[pred] = m
	return m, nil
}

// itemOrder is Magento's sortItemsByPriority over the candidates (see
// itemOrder in calc.go). Only the relative order of the lines an applied
// rule selects matters to the arithmetic, and each of those is placed by a
// candidate no later than that rule, so the walk stops after the last
// applied rule, or as soon as every line has its place; a predicate is run
// only on lines still without one.
func (ev *evaluation) itemOrder(applied []int) []int {
	n := len(ev.cart.Items)
	if len(applied) == 0 || n == 0 {
		return nil
	}
	s := ev.s
	o := itemOrdering{order: s.order[:0], placed: s.takeBools(n)}
	last := applied[len(applied)-1]
	// Only rules whose target filters the cart passes can place a line.
walk:
	for w, word := range s.pass {
		for ; word != 0; word &= word - 1 {
			i := w<<6 | bits.TrailingZeros64(word)
			if i > last || o.full() {
				break walk
			}
			r := ev.p.rules[i]
			if ev.limits == nil && r.coupons != nil && !r.coupons[ev.env.Coupon] {
				continue
			}
			if ev.limits != nil {
				if s, _ := ev.gate(r); s != "" {
					continue
				}
			}
			if r.pred < 0 {
				o.place(s.all)
				break walk
			}
			// A predicate that fails on a line selects nothing, as in the
			// walk over every rule.
			failed := false
			for j := range n {
				if !o.placed[j] {
					if v, _ := ev.lineMatch(r.pred, j); v == isError {
						failed = true
					}
				}
			}
			if failed {
				continue
			}
			for j := range n {
				if v, _ := ev.lineMatch(r.pred, j); !o.placed[j] && v == isTrue {
					o.placed[j] = true
					o.order = append(o.order, j)
				}
			}
		}
	}
	s.order = o.done()
	return s.order
}
