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

// modelRun is one evaluation's state.
type modelRun struct {
	v     modelVariant
	res   *modelResult
	round func(money.Decimal) money.Decimal // to the currency's minor unit
	env   *dsl.Env
	m     dsl.Machine
	lines []*modelLine // in input order
	// all the rules in order; candidates passed enabled, website, group,
	// date and coupon; passed also passed their conditions.
	all, candidates, passed []*modelRule
	applied                 map[string]bool          // rule ids that applied
	carry                   map[string]money.Decimal // Utility's percent-keyed deltas
	fixed                   map[string]*cartFixedState
	freeUnits               map[string]money.Decimal // buy_x_get_y's free units, per rule
}

// evaluateModel evaluates cart against set at instant now (the cart's own
// instant wins), in reading v.
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
	website := cart.Website
	if website == "" {
		website = engine.DefaultWebsite
	}
	group := cart.Customer.Group
	if group == "" {
		group = engine.DefaultGroup
	}
	digits := cart.Currency.Digits
	run := &modelRun{
		v:         v,
		res:       &modelResult{currency: cart.Currency, shipping: cart.Shipping.Amount, status: map[string][]string{}, seen: map[string]int{}},
		round:     func(d money.Decimal) money.Decimal { return d.Round(digits) },
		applied:   map[string]bool{},
		carry:     map[string]money.Decimal{},
		fixed:     map[string]*cartFixedState{},
		freeUnits: map[string]money.Decimal{},
	}
	var err error
	if run.env, run.lines, err = modelEnv(cart, website, group, set.Audiences, run.round); err != nil {
		return nil, err
	}
	for _, l := range run.lines {
		run.res.subtotal = run.res.subtotal.Add(run.round(l.item.Price.Mul(l.item.Qty)))
	}
	if err := run.compile(set); err != nil {
		return nil, err
	}
	run.selectRules(cart, now, loc, website, group)
	run.discounts(run.itemOrder())
	run.shippingDiscount()
	run.freeShipping()
	return run.result(), nil
}

// compile puts the rules in order, priority ascending then id (part 1), with
// their conditions compiled.
func (run *modelRun) compile(set *rules.Set) error {
	var auds []dsl.Audience
	for _, a := range set.Audiences {
		auds = append(auds, dsl.Audience{ID: a.ID, Name: a.Name})
	}
	for i := range set.CartRules {
		r := &set.CartRules[i]
		mr := &modelRule{CartRule: r}
		var errs []*dsl.Error
		if r.When.Text != "" {
			if mr.when, errs = dsl.Compile(r.When.Text, dsl.Options{Audiences: auds}); errs != nil {
				return fmt.Errorf("rule %s when: %v", r.ID, errs[0])
			}
		}
		if r.Action.Items.Text != "" {
			if mr.items, errs = dsl.Compile(r.Action.Items.Text, dsl.Options{Audiences: auds, Item: true}); errs != nil {
				return fmt.Errorf("rule %s items: %v", r.ID, errs[0])
			}
		}
		run.all = append(run.all, mr)
	}
	slices.SortStableFunc(run.all, func(a, b *modelRule) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.ID, b.ID))
	})
	return nil
}

// eval runs a condition on the cart, or on one line when l is not nil.
func (run *modelRun) eval(p *dsl.Program, l *modelLine) bool {
	if p == nil {
		return true
	}
	e := *run.env
	if l != nil {
		e.Item = l.env
	}
	ok, err := run.m.Eval(p, any(&e))
	if err != nil {
		panic(fmt.Sprintf("model: %v", err))
	}
	return ok
}

// matches reports whether r's action selects line l.
func (run *modelRun) matches(r *modelRule, l *modelLine) bool { return run.eval(r.items, l) }

// selectRules finds the candidates (Magento's getRules: enabled, website,
// customer group, date window, coupon; conditions not consulted) and, among
// them, the rules whose conditions pass on the cart as it arrived.
func (run *modelRun) selectRules(cart *engine.Cart, now time.Time, loc *time.Location, website, group string) {
	for _, r := range run.all {
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
			run.res.status[r.ID] = why
			run.res.seen["not a candidate: "+why[0]]++
			continue
		}
		run.candidates = append(run.candidates, r)
		if !run.eval(r.when, nil) {
			run.res.status[r.ID] = []string{"condition"}
			run.res.seen["not a candidate: condition"]++
			continue
		}
		run.passed = append(run.passed, r)
	}
}

// itemOrder is Magento's Validator::sortItemsByPriority: for each candidate
// rule in order, the lines its action matches move to the front, first
// rule's lines first; the rest keep their order.
func (run *modelRun) itemOrder() []*modelLine {
	rest := slices.Clone(run.lines)
	var order []*modelLine
	sorters := run.candidates
	if run.v.orderFromPassed {
		sorters = run.passed
	}
	for _, r := range sorters {
		var keep []*modelLine
		for _, l := range rest {
			if run.matches(r, l) {
				order = append(order, l)
			} else {
				keep = append(keep, l)
			}
		}
		rest = keep
	}
	return append(order, rest...)
}

// result writes what the cart gets: applied rules in rule order, lines in
// input order.
func (run *modelRun) result() *modelResult {
	res := run.res
	for _, r := range run.all {
		if run.applied[r.ID] {
			res.applied = append(res.applied, r.ID)
			if len(r.Coupons) > 0 {
				res.seen["coupon applied"]++
				res.couponApplied = true
			}
		}
	}
	for _, l := range run.lines {
		mi := modelItem{rowTotal: run.round(l.item.Price.Mul(l.item.Qty)), discount: l.discount, freeQty: l.freeQty}
		for _, r := range run.all {
			if l.applied[r.ID] {
				mi.applied = append(mi.applied, r.ID)
			}
		}
		res.items = append(res.items, mi)
	}
	return res
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
