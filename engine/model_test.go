package engine_test

// This file is an independent model of cart evaluation, written straight
// from part 1 of the behavioural reference (ruled's decisions) and part 2 §3
// (Magento 2.4's discount arithmetic). It shares nothing with the engine's
// evaluation path but the rule model (rules), exact decimals (money) and the
// condition evaluator (dsl). It is meant to be plain and slow: every rule is
// walked for every question, no index, no precomputed predicate, no fast
// path. The differential tests in model_diff_test.go hold the engine to it.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// modelResult is what the model says a cart gets. Money is exact here and
// formatted with the currency's digits only when compared.
type modelResult struct {
	currency money.Currency
	applied  []string // rule ids, in rule order
	// items are the cart lines in input order.
	items            []modelItem
	subtotal         money.Decimal
	shipping         money.Decimal
	shippingDiscount money.Decimal
	freeShipping     bool
	couponApplied    bool
	// status holds, per rule id, why a rule did not apply: the statuses it
	// failed among disabled, website, customer_group, not_started, expired,
	// coupon and condition (empty when it passed all of them).
	status map[string][]string
	// seen counts the paths of the arithmetic this cart took, so that a
	// run can show what it exercised.
	seen map[string]int
}

type modelItem struct {
	rowTotal money.Decimal
	discount money.Decimal
	applied  []string // rule ids in rule order
	freeQty  money.Decimal
}

func (m *modelResult) discount() money.Decimal {
	d := m.shippingDiscount
	for _, it := range m.items {
		d = d.Add(it.discount)
	}
	return d
}

func (m *modelResult) grandTotal() money.Decimal {
	return m.subtotal.Sub(m.discount()).Add(m.shipping)
}

// modelRule is a cart rule with its compiled conditions.
type modelRule struct {
	*rules.CartRule
	when, items *dsl.Program // nil: always / every line
}

// modelLine is the evaluation state of one cart line.
type modelLine struct {
	index    int
	item     *engine.Item
	env      dsl.ItemEnv
	discount money.Decimal
	percent  money.Decimal // Magento's cumulative discount_percent
	applied  map[string]bool
	stopped  bool
	freeQty  money.Decimal // units that ship free
}

// cartFixedState is one cart_fixed rule's running state (part 2 §3.5.1).
type cartFixedState struct {
	total     money.Decimal // T: Σ price × min(qty, max_qty) over its lines
	count     int           // lines not yet processed
	available money.Decimal // what is left of the amount
	earlier   money.Decimal // E: discounts on its lines when it starts
	started   bool
	delta     money.Decimal // DeltaPriceRound's carry
}

// deltaStart is DeltaPriceRound's initial carry: it biases exact halves up.
var deltaStart = money.New(1, -6)

// modelVariant switches the model to another reading of a point: a known
// engine bug, so that a disagreement it explains can be told from a new one
// while its fix is on the way, or the other answer to a question part 1 of
// the reference does not settle. The zero value is the model proper.
type modelVariant struct {
	// exactRowCap caps a line's discount at price × qty exactly, where the
	// model proper caps it at the line's row total, price × qty rounded to
	// the currency (they differ on fractional quantities only).
	exactRowCap bool
	// freeShippingNotApplied keeps a rule that only granted free shipping
	// out of the applied rules (Magento's free-shipping pass records no rule
	// id); the model proper counts it as applied, as the engine does.
	freeShippingNotApplied bool
	// orderFromPassed builds the item order from the rules whose conditions
	// passed instead of every candidate rule.
	orderFromPassed bool
	// byFixedUnitsCap bounds a by_fixed increment by the max_qty-limited
	// units instead of the whole line.
	byFixedUnitsCap bool
}

// evaluateModel evaluates cart against set at instant now.
func evaluateModel(set *rules.Set, cart *engine.Cart, now time.Time, v modelVariant) (*modelResult, error) {
	loc := time.UTC
	if set.Config.Timezone != "" {
		l, err := time.LoadLocation(set.Config.Timezone)
		if err != nil {
			return nil, err
		}
		loc = l
	}
	if !cart.Now.IsZero() {
		now = cart.Now
	}
	cur := cart.Currency
	website := cart.Website
	if website == "" {
		website = engine.DefaultWebsite
	}
	group := cart.Customer.Group
	if group == "" {
		group = engine.DefaultGroup
	}
	digits := cur.Digits
	round := func(d money.Decimal) money.Decimal { return d.Round(digits) }

	// The condition environment: the cart as it arrived.
	var auds []dsl.Audience
	for _, a := range set.Audiences {
		auds = append(auds, dsl.Audience{ID: a.ID, Name: a.Name})
	}
	env, lines, err := modelEnv(cart, website, group, set.Audiences, round)
	if err != nil {
		return nil, err
	}
	res := &modelResult{currency: cur, shipping: cart.Shipping.Amount, status: map[string][]string{}, seen: map[string]int{}}
	for _, l := range lines {
		res.subtotal = res.subtotal.Add(round(l.item.Price.Mul(l.item.Qty)))
	}

	// Rules in order: priority ascending, then id (part 1).
	var all []*modelRule
	for i := range set.CartRules {
		r := &set.CartRules[i]
		mr := &modelRule{CartRule: r}
		var errs []*dsl.Error
		if r.When.Text != "" {
			if mr.when, errs = dsl.Compile(r.When.Text, dsl.Options{Audiences: auds}); errs != nil {
				return nil, fmt.Errorf("rule %s when: %v", r.ID, errs[0])
			}
		}
		if r.Action.Items.Text != "" {
			if mr.items, errs = dsl.Compile(r.Action.Items.Text, dsl.Options{Audiences: auds, Item: true}); errs != nil {
				return nil, fmt.Errorf("rule %s items: %v", r.ID, errs[0])
			}
		}
		all = append(all, mr)
	}
	slices.SortStableFunc(all, func(a, b *modelRule) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.ID, b.ID))
	})

	var m dsl.Machine
	eval := func(p *dsl.Program, item *modelLine) bool {
		if p == nil {
			return true
		}
		e := *env
		if item != nil {
			e.Item = item.env
		}
		ok, err := m.Eval(p, any(&e))
		if err != nil {
			panic(fmt.Sprintf("model: %v", err))
		}
		return ok
	}
	matches := func(r *modelRule, l *modelLine) bool { return eval(r.items, l) }

	// Candidates (Magento's getRules): enabled, website, customer group,
	// date window, coupon. Conditions are not consulted here.
	var candidates, passed []*modelRule
	for _, r := range all {
		var why []string
		if !r.Enabled {
			why = append(why, "disabled")
		}
		if len(r.Websites) > 0 && !containsFold(r.Websites, website) {
			why = append(why, "website")
		}
		if len(r.CustomerGroups) > 0 && !containsFold(r.CustomerGroups, group) {
			why = append(why, "customer_group")
		}
		if from := boundStart(r.From, loc); !from.IsZero() && now.Before(from) {
			why = append(why, "not_started")
		}
		if to := boundEnd(r.To, loc); !to.IsZero() && !now.Before(to) {
			why = append(why, "expired")
		}
		if len(r.Coupons) > 0 && !containsFold(r.Coupons, strings.TrimSpace(cart.CouponCode)) {
			why = append(why, "coupon")
		}
		if len(why) > 0 {
			res.status[r.ID] = why
			res.seen["not a candidate: "+why[0]]++
			continue
		}
		candidates = append(candidates, r)
		if !eval(r.when, nil) {
			res.status[r.ID] = []string{"condition"}
			res.seen["not a candidate: condition"]++
			continue
		}
		passed = append(passed, r)
	}

	// Item order (Magento's Validator::sortItemsByPriority): for each
	// candidate rule in order, the lines its action matches move to the
	// front, first rule's lines first; the rest keep their order.
	rest := slices.Clone(lines)
	var order []*modelLine
	sorters := candidates
	if v.orderFromPassed {
		sorters = passed
	}
	for _, r := range sorters {
		var keep []*modelLine
		for _, l := range rest {
			if matches(r, l) {
				order = append(order, l)
			} else {
				keep = append(keep, l)
			}
		}
		rest = keep
	}
	order = append(order, rest...)

	// initTotals: every cart_fixed rule that passed records its lines'
	// price × min(qty, max_qty) before any rule applies.
	fixed := map[string]*cartFixedState{}
	for _, r := range passed {
		if r.Action.Type != rules.CartFixed {
			continue
		}
		st := &cartFixedState{available: r.Action.Amount, delta: deltaStart}
		for _, l := range lines {
			if matches(r, l) {
				st.total = st.total.Add(l.item.Price.Mul(limitQty(l.item.Qty, r.Action.MaxQty)))
				st.count++
			}
		}
		fixed[r.ID] = st
	}

	// The rule-major loop (part 2 §3.1 step 5, part 1).
	applied := map[string]bool{}
	carry := map[string]money.Decimal{} // Utility's percent-keyed deltas
	freeUnits := map[string]money.Decimal{}
	for _, r := range passed {
		a := &r.Action
		for _, l := range order {
			if !matches(r, l) {
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
			qty := limitQty(it.Qty, a.MaxQty)
			if (a.Type == rules.ByPercent || a.Type == rules.ByFixed) && a.Step.Sign() > 0 {
				qty = qty.Div(a.Step).Floor().Mul(a.Step)
			}
			var raw money.Decimal
			switch a.Type {
			case rules.ByPercent:
				pct := money.Min(money.Hundred, a.Amount)
				raw = qty.Mul(it.Price).Sub(l.discount).Mul(pct).Div(money.Hundred)
				if a.MaxQty.IsZero() || a.MaxQty.Cmp(qty) >= 0 {
					l.percent = money.Min(money.Hundred, l.percent.Add(pct))
				}
			case rules.ByFixed:
				// The increment is bounded by what is left of the whole
				// line, not only of the max_qty-limited units (Magento's
				// ByFixedTest::testCalculate).
				line := it.Qty
				if v.byFixedUnitsCap {
					line = qty
				}
				raw = money.Min(it.Price.Mul(line).Sub(l.discount), a.Amount.Mul(qty))
			case rules.CartFixed:
				raw = cartFixedShare(res, fixed[r.ID], r, l, qty, lines, matches, res.shipping, round)
			case rules.BuyXGetY:
				x, y := a.Step, a.Amount
				period := x.Add(y)
				full := qty.Div(period).Floor()
				left := qty.Sub(full.Mul(period))
				free := full.Mul(y).Add(money.Max(money.Zero, left.Sub(x)))
				freeUnits[r.ID] = freeUnits[r.ID].Add(free)
				// Free units at the effective unit price, price − discount
				// so far / qty, dividing last so that no digit is lost.
				rest := money.Max(money.Zero, it.Price.Mul(it.Qty).Sub(l.discount))
				raw = free.Mul(rest).Div(it.Qty)
			}
			// Utility::deltaRoundingFix: the carry keyed by the line's
			// cumulative percent, when it has one and a positive row.
			inc := round(raw)
			// The row is the line's row total, rounded as Magento keeps it.
			if key := percentKey(l.percent); key != "" && round(it.Price.Mul(it.Qty)).Sign() > 0 {
				res.seen["percent carry"]++
				x := raw.Add(carry[key])
				inc = round(x)
				carry[key] = x.Sub(inc)
			}
			inc = money.Max(money.Zero, inc)
			limit := round(it.Price.Mul(it.Qty))
			if v.exactRowCap {
				limit = it.Price.Mul(it.Qty)
			}
			if l.discount.Add(inc).Cmp(limit) > 0 {
				res.seen["line capped at its row"]++
			}
			l.discount = money.Min(l.discount.Add(inc), limit)
			l.applied[r.ID] = true
			applied[r.ID] = true
			if r.StopFurtherRules {
				l.stopped = true
			}
		}
	}

	// Shipping discount (part 2 §3.10; part 1: the first applied rule with
	// stop further rules ends the loop).
	ship := res.shipping
	if ship.Sign() > 0 {
		for _, r := range passed {
			a := &r.Action
			if a.ApplyToShipping {
				var inc money.Decimal
				switch a.Type {
				case rules.ByPercent:
					inc = ship.Sub(res.shippingDiscount).Mul(money.Min(money.Hundred, a.Amount)).Div(money.Hundred)
				case rules.ByFixed:
					inc = a.Amount
				case rules.CartFixed:
					inc = a.Amount.Mul(ship).Div(res.subtotal.Add(ship))
				case rules.BuyXGetY:
					var totalQty money.Decimal
					for _, l := range lines {
						totalQty = totalQty.Add(l.item.Qty)
					}
					inc = ship.Mul(freeUnits[r.ID]).Div(totalQty)
				}
				inc = money.Max(money.Zero, round(inc))
				res.shippingDiscount = money.Min(res.shippingDiscount.Add(inc), ship)
				applied[r.ID] = true
				res.seen["shipping "+string(a.Type)]++
			}
			if r.StopFurtherRules && applied[r.ID] {
				res.seen["shipping loop stopped"]++
				break
			}
		}
	}

	// Free shipping (part 2 §3.11, part 1): a per-line pass over the rules
	// that passed; a matching stop rule ends the pass for that line.
	for _, l := range lines {
		for _, r := range passed {
			if !matches(r, l) {
				continue
			}
			switch r.Action.FreeShipping {
			case rules.FreeShippingMatching:
				l.freeQty = limitQty(l.item.Qty, r.Action.MaxQty)
			case rules.FreeShippingShipment:
				res.freeShipping = true
			}
			if r.Action.FreeShipping != rules.NoFreeShipping && !v.freeShippingNotApplied {
				// Granting free shipping is applying the rule (to the
				// cart: the line's own applied rules are its discounts).
				applied[r.ID] = true
			}
			if r.StopFurtherRules {
				break
			}
		}
	}
	if !res.freeShipping {
		every := true
		for _, l := range lines {
			every = every && l.freeQty.Cmp(l.item.Qty) >= 0
		}
		res.freeShipping = every
	}
	if res.freeShipping {
		res.seen["free shipping"]++
	}
	if res.freeShipping && ship.Sign() > 0 {
		// A cart that ships free owes no shipping.
		res.shippingDiscount = ship
	}

	for _, r := range all {
		if applied[r.ID] {
			res.applied = append(res.applied, r.ID)
			if len(r.Coupons) > 0 {
				res.seen["coupon applied"]++
				res.couponApplied = true
			}
		}
	}
	for _, l := range lines {
		mi := modelItem{rowTotal: round(l.item.Price.Mul(l.item.Qty)), discount: l.discount, freeQty: l.freeQty}
		for _, r := range all {
			if l.applied[r.ID] {
				mi.applied = append(mi.applied, r.ID)
			}
		}
		res.items = append(res.items, mi)
	}
	return res, nil
}

// cartFixedShare is one line's share of a cart_fixed rule (part 2 §3.5.2 and
// §3.5.4, with part 1's details).
func cartFixedShare(res *modelResult, st *cartFixedState, r *modelRule, l *modelLine, qty money.Decimal, lines []*modelLine, matches func(*modelRule, *modelLine) bool, ship money.Decimal, round func(money.Decimal) money.Decimal) money.Decimal {
	a := &r.Action
	it := l.item
	if !st.started {
		st.started = true
		for _, o := range lines {
			if matches(r, o) {
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
		if d := st.total.Add(ship); d.Sign() > 0 {
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
		share = round(y)
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
	share = round(share)
	st.available = st.available.Sub(share)
	if st.available.Sign() <= 0 {
		st.delta = deltaStart
	}
	return round(money.Min(base, share))
}

// limitQty is min(qty, max) with 0 meaning no limit.
func limitQty(qty, max money.Decimal) money.Decimal {
	if max.Sign() > 0 {
		return money.Min(qty, max)
	}
	return qty
}

// percentKey is the item's discount percent as Magento's array key: empty
// (no carry) for 0.
func percentKey(p money.Decimal) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// boundStart is the first instant of a from bound: a day starts at midnight
// in the project's zone.
func boundStart(b rules.Bound, loc *time.Location) time.Time {
	switch {
	case !b.Date.IsZero():
		return b.Date.In(loc)
	case !b.Instant.IsZero():
		return b.Instant
	}
	return time.Time{}
}

// boundEnd is the first instant after a to bound: a day is inclusive.
func boundEnd(b rules.Bound, loc *time.Location) time.Time {
	switch {
	case !b.Date.IsZero():
		return b.Date.In(loc).AddDate(0, 0, 1)
	case !b.Instant.IsZero():
		return b.Instant.Add(time.Nanosecond)
	}
	return time.Time{}
}

// modelEnv builds what conditions see: every string folded, every number in
// the condition language's fixed point, the cart as it arrived.
func modelEnv(cart *engine.Cart, website, group string, auds []rules.Audience, round func(money.Decimal) money.Decimal) (*dsl.Env, []*modelLine, error) {
	num := func(what string, d money.Decimal) (int, error) {
		n, ok := dsl.Number(d)
		if !ok {
			return 0, fmt.Errorf("model: %s %s out of range", what, d)
		}
		return n, nil
	}
	env := &dsl.Env{
		Customer: dsl.CustomerEnv{ID: dsl.Fold(cart.Customer.ID), Group: dsl.Fold(group)},
		Coupon:   dsl.Fold(strings.TrimSpace(cart.CouponCode)),
		Shipping: dsl.ShippingEnv{
			Method:   dsl.Fold(cart.Shipping.Method),
			Country:  dsl.Fold(cart.Shipping.Country),
			Region:   dsl.Fold(cart.Shipping.Region),
			Postcode: dsl.Fold(cart.Shipping.Postcode),
		},
		Payment: dsl.PaymentEnv{Method: dsl.Fold(cart.Payment.Method)},
		Website: dsl.Fold(website),
	}
	var err error
	if env.Shipping.Amount, err = num("shipping", cart.Shipping.Amount); err != nil {
		return nil, nil, err
	}
	var subtotal, qty, weight money.Decimal
	var lines []*modelLine
	for i := range cart.Items {
		it := &cart.Items[i]
		row := round(it.Price.Mul(it.Qty))
		rowWeight := it.Weight.Mul(it.Qty)
		subtotal, qty, weight = subtotal.Add(row), qty.Add(it.Qty), weight.Add(rowWeight)
		ie := dsl.ItemEnv{SKU: dsl.Fold(it.SKU), Name: dsl.Fold(it.Name), Attrs: map[string]dsl.Value{}}
		for _, f := range []struct {
			dst *int
			d   money.Decimal
		}{{&ie.Qty, it.Qty}, {&ie.Price, it.Price}, {&ie.RowTotal, row}, {&ie.Weight, it.Weight}, {&ie.RowWeight, rowWeight}} {
			if *f.dst, err = num("item", f.d); err != nil {
				return nil, nil, err
			}
		}
		for _, c := range it.Categories {
			ie.Categories = append(ie.Categories, dsl.Fold(c))
		}
		for k, a := range it.Attributes {
			switch {
			case a.IsNum:
				v, _ := dsl.NumberValue(a.Num)
				ie.Attrs[k] = v
			case a.IsBool:
				ie.Attrs[k] = dsl.BoolValue(a.Bool)
			case a.IsList:
				ie.Attrs[k] = dsl.ListValue(a.List)
			default:
				ie.Attrs[k] = dsl.StringValue(a.Str)
			}
		}
		l := &modelLine{index: i, item: it, env: ie, applied: map[string]bool{}}
		lines = append(lines, l)
		env.Items = append(env.Items, &l.env)
	}
	if env.Cart.Subtotal, err = num("subtotal", subtotal); err != nil {
		return nil, nil, err
	}
	if env.Cart.TotalQty, err = num("total qty", qty); err != nil {
		return nil, nil, err
	}
	if env.Cart.Weight, err = num("weight", weight); err != nil {
		return nil, nil, err
	}
	env.Cart.LineCount = len(lines) * 10000 // a count, in fixed point
	env.Cart.Currency = dsl.Fold(cart.Currency.Code)
	in := map[string]bool{}
	for _, s := range cart.Segments {
		in[s] = true
	}
	for _, a := range auds {
		env.Member = append(env.Member, in[a.ID])
	}
	return env, lines, nil
}
