package engine_test

// The model's arithmetic: the rule-major discount loop, the shipping
// discount and free shipping (part 1; part 2 §3).

import (
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// discounts is the rule-major loop (part 2 §3.1 steps 3–5, part 1): for each
// rule that passed, in order, for each line in order that its action
// matches and that no earlier stop rule took.
func (run *modelRun) discounts(order []*modelLine) {
	res := run.res
	// initTotals: every cart_fixed rule records its lines' price ×
	// min(qty, max_qty) before any rule applies.
	for _, r := range run.passed {
		if r.Action.Type != rules.CartFixed {
			continue
		}
		st := &cartFixedState{available: r.Action.Amount, delta: deltaStart}
		for _, l := range run.lines {
			if run.matches(r, l) {
				st.total = st.total.Add(l.item.Price.Mul(limitQty(l.item.Qty, r.Action.MaxQty)))
				st.count++
			}
		}
		run.fixed[r.ID] = st
	}
	if len(run.lines) > 64 {
		res.seen["over 64 lines"]++
	}
	for _, r := range run.passed {
		a := &r.Action
		for _, l := range order {
			if !run.matches(r, l) {
				continue
			}
			if l.stopped {
				res.seen["line stopped by an earlier rule"]++
				continue
			}
			it := l.item
			switch a.Type {
			case rules.ByPercent, rules.ByFixed:
				if a.Step.Cmp(it.Qty) > 0 {
					res.seen["line below the step"]++
					continue
				}
			case rules.BuyXGetY:
				if a.Step.Cmp(it.Qty) >= 0 {
					res.seen["line not above X"]++
					continue
				}
			}
			res.seen["applied "+string(a.Type)]++
			if a.MaxQty.Sign() > 0 && a.MaxQty.Cmp(it.Qty) < 0 {
				res.seen["max_qty below the line"]++
			}
			if !it.Qty.IsInteger() {
				res.seen["fractional qty"]++
			}
			if it.Price.IsZero() {
				res.seen["zero price"]++
			}
			if it.Price.Mul(it.Qty).Cmp(money.New(1, 7)) > 0 {
				res.seen["row over ten million"]++
			}
			run.apply(r, l, run.increment(r, l))
		}
	}
}

// increment is what rule r would add to line l before rounding (part 2
// §3.3–3.6 with part 1's decisions). It updates the line's discount percent
// as Magento's by_percent calculator does.
func (run *modelRun) increment(r *modelRule, l *modelLine) money.Decimal {
	a := &r.Action
	it := l.item
	qty := limitQty(it.Qty, a.MaxQty)
	if (a.Type == rules.ByPercent || a.Type == rules.ByFixed) && a.Step.Sign() > 0 {
		qty = qty.Div(a.Step).Floor().Mul(a.Step)
	}
	switch a.Type {
	case rules.ByPercent:
		pct := money.Min(money.Hundred, a.Amount)
		if a.MaxQty.IsZero() || a.MaxQty.Cmp(qty) >= 0 {
			l.percent = money.Min(money.Hundred, l.percent.Add(pct))
		}
		return qty.Mul(it.Price).Sub(l.discount).Mul(pct).Div(money.Hundred)
	case rules.ByFixed:
		// Bounded by what is left of the whole line, not only of the
		// max_qty-limited units (Magento's ByFixedTest::testCalculate).
		line := it.Qty
		if run.v.byFixedUnitsCap {
			line = qty
		}
		return money.Min(it.Price.Mul(line).Sub(l.discount), a.Amount.Mul(qty))
	case rules.CartFixed:
		return run.cartFixedShare(r, l, qty)
	case rules.BuyXGetY:
		x, y := a.Step, a.Amount
		period := x.Add(y)
		full := qty.Div(period).Floor()
		left := qty.Sub(full.Mul(period))
		free := full.Mul(y).Add(money.Max(money.Zero, left.Sub(x)))
		run.freeUnits[r.ID] = run.freeUnits[r.ID].Add(free)
		// Free units at the effective unit price, price − discount so far
		// / qty, dividing last so that no digit is lost.
		rest := money.Max(money.Zero, it.Price.Mul(it.Qty).Sub(l.discount))
		return free.Mul(rest).Div(it.Qty)
	}
	panic("model: unknown action " + string(a.Type))
}

// apply rounds an increment and adds it to the line, in part 1's order: add
// the percent-keyed carry (when the line has a discount percent and a
// positive row), round, update the carry, then clamp the increment at 0 and
// cap the line at its row. The rule applied to the line even at 0.
func (run *modelRun) apply(r *modelRule, l *modelLine, raw money.Decimal) {
	it := l.item
	row := run.round(it.Price.Mul(it.Qty)) // the row total, rounded as Magento keeps it
	inc := run.round(raw)
	if key := percentKey(l.percent); key != "" && row.Sign() > 0 {
		run.res.seen["percent carry"]++
		x := raw.Add(run.carry[key])
		inc = run.round(x)
		run.carry[key] = x.Sub(inc)
	}
	inc = money.Max(money.Zero, inc)
	limit := row
	if run.v.exactRowCap {
		limit = it.Price.Mul(it.Qty)
	}
	if l.discount.Add(inc).Cmp(limit) > 0 {
		run.res.seen["line capped at its row"]++
	}
	l.discount = money.Min(l.discount.Add(inc), limit)
	l.applied[r.ID] = true
	run.applied[r.ID] = true
	if r.StopFurtherRules {
		l.stopped = true
	}
}

// cartFixedShare is one line's share of a cart_fixed rule (part 2 §3.5.2 and
// §3.5.4, with part 1's details), already rounded with the rule's carry.
func (run *modelRun) cartFixedShare(r *modelRule, l *modelLine, qty money.Decimal) money.Decimal {
	res, st, a, it := run.res, run.fixed[r.ID], &r.Action, l.item
	if !st.started {
		st.started = true
		for _, o := range run.lines {
			if run.matches(r, o) {
				st.earlier = st.earlier.Add(o.discount)
			}
		}
	}
	if st.available.Sign() <= 0 {
		res.seen["cart_fixed used up"]++
		return money.Zero
	}
	base := it.Price.Mul(qty)
	var x money.Decimal
	if a.ApplyToShipping {
		res.seen["cart_fixed shared with shipping"]++
		// Earlier discounts are not subtracted when shipping takes a part.
		if d := st.total.Add(res.shipping); d.Sign() > 0 {
			x = a.Amount.Mul(base).Div(d)
		}
	} else if d := st.total.Sub(st.earlier); d.Sign() > 0 {
		// R × min(1, (base − discount so far) / (T − E)), dividing last.
		if left := base.Sub(l.discount); left.Cmp(d) >= 0 {
			x = a.Amount
		} else {
			x = a.Amount.Mul(left).Div(d)
		}
	}
	share := x
	if !x.IsZero() { // a zero share leaves the carry as it is
		y := x.Add(st.delta)
		share = run.round(y)
		st.delta = y.Sub(share)
	}
	share = money.Min(base, share)
	if st.count <= 1 {
		st.delta = deltaStart
		if share.Cmp(st.available) > 0 {
			res.seen["cart_fixed last line clamped"]++
		}
		share = money.Min(share, st.available)
	} else {
		st.count--
	}
	share = run.round(share)
	st.available = st.available.Sub(share)
	if st.available.Sign() <= 0 {
		st.delta = deltaStart
	}
	return run.round(money.Min(base, share))
}

// shippingDiscount is part 2 §3.10 with part 1's stop: the first applied
// rule (to lines or to shipping) with stop further rules ends the loop.
func (run *modelRun) shippingDiscount() {
	res := run.res
	ship := res.shipping
	if ship.Sign() <= 0 {
		return
	}
	for _, r := range run.passed {
		a := &r.Action
		if a.ApplyToShipping {
			var inc money.Decimal
			switch a.Type {
			case rules.ByPercent:
				inc = ship.Sub(res.shippingDiscount).Mul(money.Min(money.Hundred, a.Amount)).Div(money.Hundred)
			case rules.ByFixed:
				inc = a.Amount // once per shipment
			case rules.CartFixed:
				inc = a.Amount.Mul(ship).Div(res.subtotal.Add(ship))
			case rules.BuyXGetY:
				var totalQty money.Decimal
				for _, l := range run.lines {
					totalQty = totalQty.Add(l.item.Qty)
				}
				inc = ship.Mul(run.freeUnits[r.ID]).Div(totalQty)
			}
			inc = money.Max(money.Zero, run.round(inc))
			res.shippingDiscount = money.Min(res.shippingDiscount.Add(inc), ship)
			run.applied[r.ID] = true
			res.seen["shipping "+string(a.Type)]++
		}
		if r.StopFurtherRules && run.applied[r.ID] {
			res.seen["shipping loop stopped"]++
			return
		}
	}
}

// freeShipping is part 2 §3.11 with part 1: a per-line pass over the rules
// that passed; a matching stop rule ends the pass for that line. The cart
// ships free when a shipment rule matched or every line is wholly free; then
// it owes no shipping (the README's word: free shipping for the shipment
// waives what is left of the shipping amount).
func (run *modelRun) freeShipping() {
	res := run.res
	for _, l := range run.lines {
		for _, r := range run.passed {
			if !run.matches(r, l) {
				continue
			}
			switch r.Action.FreeShipping {
			case rules.FreeShippingMatching:
				l.freeQty = limitQty(l.item.Qty, r.Action.MaxQty)
			case rules.FreeShippingShipment:
				res.freeShipping = true
			}
			if r.Action.FreeShipping != rules.NoFreeShipping && !run.v.freeShippingNotApplied {
				// Granting free shipping is applying the rule (to the
				// cart: a line's applied rules are its discounts).
				run.applied[r.ID] = true
			}
			if r.StopFurtherRules {
				break
			}
		}
	}
	if !res.freeShipping {
		every := true
		for _, l := range run.lines {
			every = every && l.freeQty.Cmp(l.item.Qty) >= 0
		}
		res.freeShipping = every
	}
	if res.freeShipping {
		res.seen["free shipping"]++
		res.shippingDiscount = res.shipping
	}
}
