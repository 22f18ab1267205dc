package whatif

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// tally is one worker's running count; tallies merge into the report.
type tally struct {
	opt                       *Options
	carts, evaluated, changed int
	skipped                   int
	skips                     []skip // the first opt.MaxSkips by corpus order
	currencies                map[string]*currencyTally
	rules                     map[string]*ruleTally
	top                       []*increase // the opt.Top largest, best first
	placements                map[string]*placementTally
}

type skip struct {
	seq int
	Skip
}

type currencyTally struct {
	carts                   int
	subtotal, before, after money.Decimal
	grandChanged, up, down  int
}

type ruleTally struct {
	newly, stops, amount int
	before, after        map[string]money.Decimal // by currency
}

type increase struct {
	seq      int
	entry    *corpus.Entry
	currency string
	by       money.Decimal
	base     *engine.Result
	head     *engine.Result
}

type placementTally struct {
	carts, changed int
	changes        map[string]*BlockChange // by before → after
}

func newTally(opt *Options) *tally {
	return &tally{opt: opt, currencies: map[string]*currencyTally{}, rules: map[string]*ruleTally{}, placements: map[string]*placementTally{}}
}

// add evaluates one corpus line with both programs and counts it.
func (t *tally) add(base, head *side, it item) {
	t.carts++
	if it.err != nil {
		var le *corpus.LineError
		if errors.As(it.err, &le) {
			t.skip(le.Seq, fmt.Sprintf("%s:%d", le.File, le.Line), "corpus", le.Err.Error())
		} else {
			t.skip(0, "", "corpus", it.err.Error())
		}
		return
	}
	e := it.e
	cart, rb, berr := evaluate(base, e, t.opt, false)
	var rh *engine.Result
	var herr error
	if head.shareDecoded && cart != nil {
		rh, herr = evaluateCart(head, cart, e, t.opt, false)
	} else {
		_, rh, herr = evaluate(head, e, t.opt, false)
	}
	switch {
	case berr != nil && herr != nil:
		t.skip(e.Seq, e.ID, "both", joinErrs(berr, herr))
		return
	case berr != nil:
		t.changed++
		t.skip(e.Seq, e.ID, "base", berr.Error())
		return
	case herr != nil:
		t.changed++
		t.skip(e.Seq, e.ID, "head", herr.Error())
		return
	}
	t.evaluated++
	cur := cart.Currency.Code
	c := t.currencies[cur]
	if c == nil {
		c = &currencyTally{}
		t.currencies[cur] = c
	}
	c.carts++
	c.subtotal = c.subtotal.Add(parse(rb.Totals.Subtotal))
	db, dh := parse(rb.Totals.Discount), parse(rh.Totals.Discount)
	c.before, c.after = c.before.Add(db), c.after.Add(dh)
	if rb.Totals.GrandTotal != rh.Totals.GrandTotal {
		c.grandChanged++
	}
	switch db.Cmp(dh) {
	case -1:
		c.up++
		t.offer(&increase{seq: e.Seq, entry: e, currency: cur, by: dh.Sub(db), base: rb, head: rh})
	case 1:
		c.down++
	}
	changed := t.rulesOf(cur, rb, rh)
	changed = t.blocksOf(rb, rh) || changed
	if changed || !sameResult(rb, rh) {
		t.changed++
	}
}

// rulesOf counts the rules' outcomes and reports whether any differ.
func (t *tally) rulesOf(cur string, rb, rh *engine.Result) bool {
	changed := false
	for _, a := range rb.AppliedRules {
		r := t.rule(a.ID)
		r.before[cur] = r.before[cur].Add(parse(a.Discount))
		i := slices.IndexFunc(rh.AppliedRules, func(h engine.AppliedRule) bool { return h.ID == a.ID })
		switch {
		case i < 0:
			r.stops++
			changed = true
		case rh.AppliedRules[i].Discount != a.Discount:
			r.amount++
			changed = true
		}
	}
	for _, a := range rh.AppliedRules {
		r := t.rule(a.ID)
		r.after[cur] = r.after[cur].Add(parse(a.Discount))
		if !slices.ContainsFunc(rb.AppliedRules, func(b engine.AppliedRule) bool { return b.ID == a.ID }) {
			r.newly++
			changed = true
		}
	}
	return changed
}

func (t *tally) rule(id string) *ruleTally {
	r := t.rules[id]
	if r == nil {
		r = &ruleTally{before: map[string]money.Decimal{}, after: map[string]money.Decimal{}}
		t.rules[id] = r
	}
	return r
}

// blocksOf counts the placements' chosen blocks and reports whether any
// differ.
func (t *tally) blocksOf(rb, rh *engine.Result) bool {
	changed := false
	ids := slices.Collect(maps.Keys(rb.Blocks))
	for id := range rh.Blocks {
		if _, ok := rb.Blocks[id]; !ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		p := t.placements[id]
		if p == nil {
			p = &placementTally{changes: map[string]*BlockChange{}}
			t.placements[id] = p
		}
		p.carts++
		before, after := blockIDs(rb.Blocks[id]), blockIDs(rh.Blocks[id])
		if slices.Equal(before, after) {
			continue
		}
		changed = true
		p.changed++
		key := strings.Join(before, ",") + "→" + strings.Join(after, ",")
		if bc := p.changes[key]; bc != nil {
			bc.Carts++
		} else {
			p.changes[key] = &BlockChange{Before: before, After: after, Carts: 1}
		}
	}
	return changed
}

func blockIDs(bs []engine.BlockResult) []string {
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}

// sameResult compares what the rule counts do not: lines, shipping, the
// coupon.
func sameResult(a, b *engine.Result) bool {
	if a.Totals != b.Totals || a.FreeShipping != b.FreeShipping || (a.Coupon == nil) != (b.Coupon == nil) {
		return false
	}
	if a.Coupon != nil && a.Coupon.Applied != b.Coupon.Applied {
		return false
	}
	return slices.EqualFunc(a.Items, b.Items, func(x, y engine.ItemResult) bool {
		return x.Discount == y.Discount && x.FreeShippingQty == y.FreeShippingQty && slices.Equal(x.AppliedRules, y.AppliedRules)
	})
}

func (t *tally) skip(seq int, cart, side, msg string) {
	t.skipped++
	s := skip{seq: seq, Skip: Skip{Cart: cart, Side: side, Error: msg}}
	t.skips = append(t.skips, s)
	slices.SortFunc(t.skips, func(a, b skip) int { return cmp.Compare(a.seq, b.seq) })
	if len(t.skips) > t.opt.MaxSkips {
		t.skips = t.skips[:t.opt.MaxSkips]
	}
}

func joinErrs(a, b error) string {
	if a.Error() == b.Error() {
		return a.Error()
	}
	return errors.Join(a, b).Error()
}

// offer keeps inc when it is among the largest increases.
func (t *tally) offer(inc *increase) {
	i, _ := slices.BinarySearchFunc(t.top, inc, better)
	if i >= t.opt.Top {
		return
	}
	t.top = slices.Insert(t.top, i, inc)
	if len(t.top) > t.opt.Top {
		t.top = t.top[:t.opt.Top]
	}
}

// better orders increases largest first, then in corpus order.
func better(a, b *increase) int {
	if c := b.by.Cmp(a.by); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// merge adds o's counts to t.
func (t *tally) merge(o *tally) {
	t.carts += o.carts
	t.evaluated += o.evaluated
	t.changed += o.changed
	t.skipped += o.skipped
	t.skips = append(t.skips, o.skips...)
	slices.SortFunc(t.skips, func(a, b skip) int { return cmp.Compare(a.seq, b.seq) })
	if len(t.skips) > t.opt.MaxSkips {
		t.skips = t.skips[:t.opt.MaxSkips]
	}
	for cur, oc := range o.currencies {
		c := t.currencies[cur]
		if c == nil {
			t.currencies[cur] = oc
			continue
		}
		c.carts += oc.carts
		c.subtotal, c.before, c.after = c.subtotal.Add(oc.subtotal), c.before.Add(oc.before), c.after.Add(oc.after)
		c.grandChanged += oc.grandChanged
		c.up += oc.up
		c.down += oc.down
	}
	for id, or := range o.rules {
		r := t.rule(id)
		r.newly += or.newly
		r.stops += or.stops
		r.amount += or.amount
		for cur, d := range or.before {
			r.before[cur] = r.before[cur].Add(d)
		}
		for cur, d := range or.after {
			r.after[cur] = r.after[cur].Add(d)
		}
	}
	for _, inc := range o.top {
		t.offer(inc)
	}
	for id, op := range o.placements {
		p := t.placements[id]
		if p == nil {
			t.placements[id] = op
			continue
		}
		p.carts += op.carts
		p.changed += op.changed
		for k, bc := range op.changes {
			if mine := p.changes[k]; mine != nil {
				mine.Carts += bc.Carts
			} else {
				p.changes[k] = bc
			}
		}
	}
}
