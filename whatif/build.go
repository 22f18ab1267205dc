package whatif

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// maxBlockChanges is how many before → after choices a placement lists.
const maxBlockChanges = 5

// report turns the merged tally into a Report, everything in a fixed order.
func (t *tally) report(base, head Side) *Report {
	r := &Report{
		Base: base.Label, Head: head.Label,
		Carts: t.carts, Evaluated: t.evaluated, Changed: t.changed, Skipped: t.skipped,
		Totals: []Totals{}, Rules: []RuleChange{}, Increases: []CartChange{}, Blocks: []PlacementChange{},
	}
	for _, s := range t.skips {
		r.Skips = append(r.Skips, s.Skip)
	}
	for _, code := range slices.Sorted(maps.Keys(t.currencies)) {
		c := t.currencies[code]
		cur := currency(code)
		r.Totals = append(r.Totals, Totals{
			Currency: code, Carts: c.carts, Subtotal: cur.Format(c.subtotal),
			DiscountBefore: cur.Format(c.before), DiscountAfter: cur.Format(c.after), Delta: cur.Format(c.after.Sub(c.before)),
			ShareBefore: share(c.before, c.subtotal), ShareAfter: share(c.after, c.subtotal),
			GrandTotalChanged: c.grandChanged, DiscountUp: c.up, DiscountDown: c.down,
		})
	}
	inBase, inHead := ruleNames(base.Program), ruleNames(head.Program)
	type ranked struct {
		RuleChange
		weight money.Decimal // the absolute change, summed over currencies
	}
	var rs []ranked
	for id, rt := range t.rules {
		if rt.newly == 0 && rt.stops == 0 && rt.amount == 0 {
			continue
		}
		rc := ranked{RuleChange: RuleChange{ID: id, NewlyApplies: rt.newly, StopsApplying: rt.stops, AmountChanged: rt.amount}}
		name, hasB := inBase[id]
		if n, hasH := inHead[id]; hasH {
			name = n
			if !hasB {
				rc.Status = "added"
			}
		} else {
			rc.Status = "removed"
		}
		rc.Name = name
		codes := slices.Sorted(maps.Keys(rt.before))
		for code := range rt.after {
			if _, ok := rt.before[code]; !ok {
				codes = append(codes, code)
			}
		}
		slices.Sort(codes)
		for _, code := range codes {
			cur := currency(code)
			b, a := rt.before[code], rt.after[code]
			d := a.Sub(b)
			rc.Discount = append(rc.Discount, Amounts{Currency: code, Before: cur.Format(b), After: cur.Format(a), Delta: cur.Format(d)})
			if d.Sign() < 0 {
				d = d.Neg()
			}
			rc.weight = rc.weight.Add(d)
		}
		if rc.weight.Sign() != 0 {
			// Only the currencies where the rule's discount moved.
			rc.Discount = slices.DeleteFunc(rc.Discount, func(a Amounts) bool { return a.Before == a.After })
		}
		rs = append(rs, rc)
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := b.weight.Cmp(a.weight); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, rc := range rs {
		r.Rules = append(r.Rules, rc.RuleChange)
	}
	for _, inc := range t.top {
		cur := currency(inc.currency)
		r.Increases = append(r.Increases, CartChange{
			Cart: inc.entry.ID, Currency: inc.currency, Subtotal: inc.base.Totals.Subtotal,
			DiscountBefore: inc.base.Totals.Discount, DiscountAfter: inc.head.Totals.Discount, Increase: cur.Format(inc.by),
			GrandBefore: inc.base.Totals.GrandTotal, GrandAfter: inc.head.Totals.GrandTotal,
			RulesBefore: appliedIDs(inc.base), RulesAfter: appliedIDs(inc.head),
		})
	}
	for _, id := range slices.Sorted(maps.Keys(t.placements)) {
		p := t.placements[id]
		if p.changed == 0 {
			continue
		}
		pc := PlacementChange{Placement: id, Carts: p.carts, Changed: p.changed}
		changes := slices.Collect(maps.Values(p.changes))
		slices.SortFunc(changes, func(a, b *BlockChange) int {
			if c := cmp.Compare(b.Carts, a.Carts); c != 0 {
				return c
			}
			if c := slices.Compare(a.Before, b.Before); c != 0 {
				return c
			}
			return slices.Compare(a.After, b.After)
		})
		for _, bc := range changes[:min(len(changes), maxBlockChanges)] {
			pc.Changes = append(pc.Changes, *bc)
		}
		r.Blocks = append(r.Blocks, pc)
	}
	return r
}

// explain adds to c why its rules' outcomes differ: both sides evaluated
// again with explanations, for the rules that applied on one side or
// applied on both with different discounts.
func explain(c *CartChange, e *corpus.Entry, base, head *side, opt *Options) {
	_, rb, berr := evaluate(base, e, opt, true)
	_, rh, herr := evaluate(head, e, opt, true)
	if berr != nil || herr != nil {
		return // both priced it a moment ago
	}
	before, after := outcomes(rb), outcomes(rh)
	var ids []string
	for _, x := range rb.Explain {
		ids = append(ids, x.Rule)
	}
	for _, x := range rh.Explain {
		if _, ok := before[x.Rule]; !ok {
			ids = append(ids, x.Rule)
		}
	}
	c.Why = []RuleWhy{}
	for _, id := range ids {
		b, ok := before[id]
		if !ok {
			b = Outcome{Status: "absent", Reason: "not in this rule set"}
		}
		a, ok := after[id]
		if !ok {
			a = Outcome{Status: "absent", Reason: "not in this rule set"}
		}
		if (b.Status == a.Status && b.Discount == a.Discount) || (b.Status != "applied" && a.Status != "applied") {
			continue // unchanged, or applied on neither side: not why the cart moved
		}
		c.Why = append(c.Why, RuleWhy{Rule: id, Before: b, After: a})
	}
}

func outcomes(res *engine.Result) map[string]Outcome {
	m := make(map[string]Outcome, len(res.Explain))
	for _, x := range res.Explain {
		o := Outcome{Status: x.Status, Reason: x.Reason, Discount: x.Discount}
		for _, cl := range x.Clauses {
			s := cl.Text
			if len(cl.Seen) > 0 {
				s += " (" + strings.Join(cl.Seen, ", ") + ")"
			}
			o.Clauses = append(o.Clauses, s)
		}
		m[x.Rule] = o
	}
	return m
}

func ruleNames(p *engine.Program) map[string]string {
	m := map[string]string{}
	for _, r := range p.Set().CartRules {
		m[r.ID] = r.Name
	}
	return m
}

func appliedIDs(res *engine.Result) []string {
	ids := make([]string, len(res.AppliedRules))
	for i, a := range res.AppliedRules {
		ids[i] = a.ID
	}
	return ids
}

// currency looks up a code the engine accepted; an unknown one (never seen
// in practice) is written with two digits.
func currency(code string) money.Currency {
	if c, ok := money.LookupCurrency(code); ok {
		return c
	}
	return money.Currency{Code: code, Digits: 2}
}

// share is part as a percentage of whole, to two places ("12.34"); "0.00"
// for an empty whole.
func share(part, whole money.Decimal) string {
	return part.Mul(money.Hundred).Div(whole).Round(2).StringFixed(2)
}
