package engine

import (
	"slices"

	"github.com/ruled/ruled/dsl"
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
	predAll    [][]bool  // per predicate: every line's match, nil until asked
	setPreds   []int32
	bytes      []uint8 // arena for predVal rows
	bools      []bool  // arena for predAll rows, placed, all
	all        []bool  // every line matches
	lineEnv    []dsl.Env
	lineBuilt  []bool
	cands      []int32
	extra      []int32
	order      []int
}

// maxPooledLines bounds the memory a pooled scratch keeps: one very large
// cart does not make every later evaluation carry its buffers.
const maxPooledLines = 1024

func (p *Program) getScratch(lines int) *scratch {
	s, _ := p.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{clauseVal: make([]uint8, len(p.clauses)), predVal: make([][]uint8, len(p.preds)),
			predAll: make([][]bool, len(p.preds)), clauseErr: map[int32]error{}}
	}
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
	}
	clear(s.clauseErr)
	s.setClauses, s.setPreds = s.setClauses[:0], s.setPreds[:0]
	clear(s.lineBuilt)
	clear(s.lineEnv) // drop references to the cart
	if len(s.lineEnv) > maxPooledLines {
		return
	}
	p.scratch.Put(s)
}

func (s *scratch) takeBytes(n int) []uint8 {
	if len(s.bytes)+n > cap(s.bytes) {
		s.bytes = make([]uint8, 0, max(2*cap(s.bytes), n, 256))
	}
	b := s.bytes[len(s.bytes) : len(s.bytes)+n : len(s.bytes)+n]
	s.bytes = s.bytes[:len(s.bytes)+n]
	clear(b)
	return b
}

func (s *scratch) takeBools(n int) []bool {
	if len(s.bools)+n > cap(s.bools) {
		s.bools = make([]bool, 0, max(2*cap(s.bools), n, 256))
	}
	b := s.bools[len(s.bools) : len(s.bools)+n : len(s.bools)+n]
	s.bools = s.bools[:len(s.bools)+n]
	clear(b)
	return b
}

// evaluateIndexed prices a cart through the program's index.
func (p *Program) evaluateIndexed(c *Cart, opt Options) (*Result, error) {
	ev, in, err := p.start(c, opt)
	if err != nil {
		return nil, err
	}
	ev.m = p.machines.Get().(*dsl.Machine)
	defer p.machines.Put(ev.m)
	ev.s = p.getScratch(len(c.Items))
	defer p.putScratch(ev.s)

	for _, i := range ev.candidates() {
		r := p.rules[i]
		if r.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" {
			continue
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
	return ev.finish(&in, opt)
}

// candidates returns the indexes of the rules the index lists for the
// cart, ascending: the always list, the lists of the shopper's audiences
// and the list of the cart's coupon code.
func (ev *evaluation) candidates() []int32 {
	p, s := ev.p, ev.s
	extra := s.extra[:0]
	for _, id := range ev.cart.Segments {
		if a, ok := p.byID[id]; ok {
			extra = append(extra, p.idx.byAudience[a]...)
		}
	}
	if ev.env.Coupon != "" {
		extra = append(extra, p.idx.byCoupon[ev.env.Coupon]...)
	}
	slices.Sort(extra)
	extra = slices.Compact(extra)
	s.extra = extra
	out := s.cands[:0]
	always := p.idx.always
	i, j := 0, 0
	for i < len(always) || j < len(extra) {
		switch {
		case j == len(extra) || i < len(always) && always[i] < extra[j]:
			out = append(out, always[i])
			i++
		default:
			out = append(out, extra[j])
			j++
		}
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
	} else if c.lines >= 0 {
		v = ev.quantify(c.lines, c.quant)
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

// quantify asks predicate pred of the lines, in order, until the answer is
// known: any, all or none of them.
func (ev *evaluation) quantify(pred int32, quant string) uint8 {
	for j := range ev.cart.Items {
		v, _ := ev.lineMatch(pred, j)
		switch {
		case v == isError:
			return isError
		case v == isTrue && quant == "any":
			return isTrue
		case v == isTrue && quant == "none", v == isFalse && quant == "all":
			return isFalse
		}
	}
	return state(quant != "any")
}

func state(b bool) uint8 {
	if b {
		return isTrue
	}
	return isFalse
}

// lineMatch runs predicate pred on line j, at most once per evaluation.
func (ev *evaluation) lineMatch(pred int32, j int) (uint8, error) {
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
	for i := 0; i <= last && !o.full(); i++ {
		r := ev.p.rules[i]
		if r.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" || r.coupons != nil && !r.coupons[ev.env.Coupon] {
			continue
		}
		if r.pred < 0 {
			o.place(s.all)
			break
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
		row := s.predVal[r.pred]
		for j := range n {
			if !o.placed[j] && row[j] == isTrue {
				o.placed[j] = true
				o.order = append(o.order, j)
			}
		}
	}
	s.order = o.done()
	return s.order
}
