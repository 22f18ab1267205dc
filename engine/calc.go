package engine

import (
	"slices"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// This file is the discount arithmetic: Magento 2.4 cart price rules applied
// to a flat cart, to the minor unit. It knows nothing about conditions; its
// caller has already decided which rules passed their conditions and which
// items each rule's action selects. Section numbers (§5.3, …) are those of
// docs/semantics.md, which states these semantics and where they depart from
// Magento.

// calcItem is one cart line as the arithmetic sees it.
type calcItem struct {
	qty      money.Decimal // > 0
	price    money.Decimal // unit price, ≥ 0
	rowTotal money.Decimal // cur.Round(price × qty), the line's row total
}

// calcRule is a rule that passed its conditions.
type calcRule struct {
	id      string
	action  *rules.Action // Items is ignored here: matches says what it selected
	stop    bool          // stop_further_rules
	matches []bool        // matches[i]: the action's item condition selected item i (input order)
}

// calcInput is everything calculate reads. calculate does not modify it.
type calcInput struct {
	cur      money.Currency
	items    []calcItem    // input order
	rules    []calcRule    // in application order (priority asc, id asc)
	subtotal money.Decimal // Σ rowTotal
	shipping money.Decimal // shipping amount before discounts; 0 = none
	// order is the item order every rule loops in (see itemOrder); nil
	// means the order the rules' own matches give.
	order []int
	// skips asks for ruleSkips, which only explanations read.
	skips bool
}

// skipReason says why a rule did not process an item.
type skipReason uint8

// Skip reasons. When several hold, the first in this list is reported: an
// item the rule does not select is reported as not matched even if it was also stopped.
const (
	skipNotMatched skipReason = iota + 1 // the action's item condition did not select the item
	skipStopped                          // an earlier rule with stop further rules applied to the item
	skipStepGate                         // by_percent/by_fixed: step > qty; buy_x_get_y: X (step) ≥ qty
)

func (r skipReason) String() string {
	switch r {
	case skipNotMatched:
		return "not-matched"
	case skipStopped:
		return "stopped"
	case skipStepGate:
		return "step-gate"
	}
	return "unknown"
}

// skip is one item a rule did not process.
type skip struct {
	item   int
	reason skipReason
	by     int // for stopped: the index of the rule that stopped the item; else -1
}

// calcResult is what calculate found. Invariants, for every call:
//   - every itemDiscount is a whole number of minor units, 0 ≤ itemDiscount[i] ≤ rowTotal[i];
//   - every ruleItems and ruleShipping entry is ≥ 0 (no rule ever gives money back);
//   - Σ ruleItems = Σ itemDiscount, and Σ ruleShipping = shippingDiscount ≤ shipping.
type calcResult struct {
	itemDiscount      []money.Decimal // per item: final discount (after caps), whole minor units
	itemRules         [][]int         // per item: indexes into in.rules of the rules applied to it, in application order (recorded even at amount 0)
	ruleItems         []money.Decimal // per rule: what it took off items (sum of its effective, post-clamp/post-cap increments)
	ruleShipping      []money.Decimal // per rule: what it took off shipping (including waived shipping)
	ruleApplied       []bool          // per rule: applied to at least one item, or processed for shipping, or granted free shipping
	ruleSkips         [][]skip        // per rule: the items it did not process and why, in input order
	shippingDiscount  money.Decimal
	shippingStoppedBy int             // index of the rule whose stop flag ended the shipping loop, or -1
	freeShipping      bool            // the whole shipment ships free
	freeShippingBy    int             // rule index that made the shipment free (first one), or -1
	itemFreeQty       []money.Decimal // per item: units that ship free (0 = none; never above the line qty)
}

var (
	// hundredth turns a percent into a fraction exactly (Div would round).
	hundredth = money.New(1, -2)
	// deltaSeed is the initial carry of a cart_fixed rule's DeltaPriceRound:
	// it biases exact halves upward, as Magento does.
	deltaSeed = money.New(1, -6)
)

// calculate applies rules that passed their conditions to a flat cart: the
// rule-major item loop with per-item stop (§5, §7), the four actions (§5.1–5.4),
// Magento's two rounding carries (§8), then the shipping discount
// loop (§10, PR #40869) and the free-shipping pass (§11). Both carries start
// fresh on every call, so the result depends on the input only. It never uses
// floats, does not modify in, and is safe to call concurrently.
func calculate(in *calcInput) *calcResult { return calculateIn(in, nil) }

// calcMem is the memory of calculate calls that one caller makes in turn
// (an evaluation's scratch): reused, so a steady stream of evaluations
// does not allocate it again. The calcResult it returns lives until the
// next call with the same calcMem.
type calcMem struct {
	decs      []money.Decimal
	ints      []int
	bools     []bool
	itemRules [][]int
	ruleSkips [][]skip
	carry     []percentCarry
	res       calcResult
	st        calcState
}

// grow returns buf with length n, zeroed, reusing its memory when it has
// room.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// calculateIn is calculate with its memory taken from mem (nil: new).
func calculateIn(in *calcInput, mem *calcMem) *calcResult {
	if mem == nil {
		mem = &calcMem{}
	}
	n, m := len(in.items), len(in.rules)
	// One block per element type: a cart of n lines and m rules makes a
	// handful of allocations at most, not one per line or rule.
	mem.decs = grow(mem.decs, 4*n+3*m)
	decs := mem.decs
	k := min(m, 16) // rules per line before a line's list grows on its own (the block is reused)
	mem.ints = grow(mem.ints, n*k+n)
	ints := mem.ints
	take := func(k int) []money.Decimal {
		d := decs[:k:k]
		decs = decs[k:]
		return d
	}
	mem.bools = grow(mem.bools, m)
	mem.itemRules = grow(mem.itemRules, n)
	mem.ruleSkips = grow(mem.ruleSkips, m)
	res := &mem.res
	*res = calcResult{
		itemDiscount:      take(n),
		itemRules:         mem.itemRules,
		ruleItems:         take(m),
		ruleShipping:      take(m),
		ruleApplied:       mem.bools,
		ruleSkips:         mem.ruleSkips,
		shippingStoppedBy: -1,
		freeShippingBy:    -1,
		itemFreeQty:       take(n),
	}
	for i := range res.itemRules {
		res.itemRules[i] = ints[i*k : i*k : (i+1)*k]
	}
	s := &mem.st
	*s = calcState{
		in:        in,
		res:       res,
		pct:       take(n),
		stoppedBy: ints[n*k:],
		freeUnits: take(m),
		carry:     mem.carry[:0],
		fixed:     mem.st.fixed,
	}
	for i := range s.stoppedBy {
		s.stoppedBy[i] = -1
	}
	order := in.order
	if order == nil {
		order = itemOrder(in)
	}
	stopped := 0 // lines a stop rule applied to
	for r := range in.rules {
		s.applyRule(r, order, &stopped)
		// Once every line is stopped, no later rule can touch a line, the
		// shipping loop ends at or before the stop rule that applied, and
		// so does the free-shipping pass of each line: the rest would only
		// record skips, which only explanations read.
		if stopped == n && !in.skips {
			break
		}
	}
	s.shippingLoop()
	s.freeShippingPass()
	mem.carry = s.carry[:0]
	return res
}

// calcState is the mutable state of one calculate call.
type calcState struct {
	in        *calcInput
	res       *calcResult     // res.itemDiscount is the running discount of each item
	pct       []money.Decimal // per item: cumulative discount percent, the percent carry's key
	stoppedBy []int           // per item: the stop rule that applied to it, or -1
	freeUnits []money.Decimal // per rule: buy_x_get_y free units given, for shipping
	carry     []percentCarry  // the percent-keyed accumulator, one entry per key seen
	fixed     *cartFixed      // the state of the cart_fixed rule being applied
}

// percentCarry is one entry of Magento's Utility rounding deltas: shared by
// every item and rule whose item has this cumulative discount percent. The
// delta is held in 128 bits (wdelta) while every value fits there, as it
// does in carts of any ordinary size, else in delta; both forms hold the
// same exact value (money.Wide).
type percentCarry struct {
	key    money.Decimal
	wide   bool
	wdelta money.Wide
	delta  money.Decimal
}

func (s *calcState) carryIndex(key money.Decimal) int {
	for k := range s.carry {
		if s.carry[k].key.Equal(key) {
			return k
		}
	}
	s.carry = append(s.carry, percentCarry{key: key, wide: true})
	return len(s.carry) - 1
}

// matched reports whether rule r's action selected item i.
func (in *calcInput) matched(r, i int) bool {
	mm := in.rules[r].matches
	return i < len(mm) && mm[i]
}

// itemOrder is Magento's Validator::sortItemsByPriority (§4) over
// the rules of in: for each rule in order, the items it matches move to the
// front (first rule's items first); the rest keep their input order. It
// decides which item is a cart_fixed rule's last and where the percent carry
// travels. Evaluate builds the order from every candidate rule instead (see
// calcInput.order); this form serves callers that pass only applied rules.
func itemOrder(in *calcInput) []int {
	o := newItemOrder(len(in.items))
	for r := range in.rules {
		o.place(in.rules[r].matches)
	}
	return o.done()
}

// itemOrdering builds a sortItemsByPriority order one rule at a time.
type itemOrdering struct {
	order  []int
	placed []bool
}

func newItemOrder(n int) *itemOrdering {
	return &itemOrdering{order: make([]int, 0, n), placed: make([]bool, n)}
}

// place moves the items a rule matches, not yet placed, after those placed
// so far.
func (o *itemOrdering) place(matches []bool) {
	if len(o.order) == len(o.placed) {
		return
	}
	for i, m := range matches {
		if m && !o.placed[i] {
			o.placed[i] = true
			o.order = append(o.order, i)
		}
	}
}

// full reports whether every item has its place.
func (o *itemOrdering) full() bool { return len(o.order) == len(o.placed) }

// done appends the items no rule matched, in input order.
func (o *itemOrdering) done() []int {
	for i, p := range o.placed {
		if !p {
			o.order = append(o.order, i)
		}
	}
	return o.order
}

// applyRule runs rule r over the items in loop order.
func (s *calcState) applyRule(r int, order []int, stopped *int) {
	in, res := s.in, s.res
	rule := &in.rules[r]
	var cf *cartFixed
	if rule.action.Type == rules.CartFixed {
		cf = s.newCartFixed(r)
	}
	for _, i := range order {
		if why, by := s.skipFor(r, i); why != 0 {
			if in.skips {
				res.ruleSkips[r] = append(res.ruleSkips[r], skip{item: i, reason: why, by: by})
			}
			continue
		}
		var raw money.Decimal
		switch rule.action.Type {
		case rules.ByPercent:
			raw = s.byPercent(r, i)
		case rules.ByFixed:
			raw = s.byFixed(r, i)
		case rules.CartFixed:
			raw = s.cartFixedShare(cf, r, i)
		case rules.BuyXGetY:
			raw, wraw, wide := s.buyXGetY(r, i)
			s.record(r, i, s.settleRaw(i, raw, wraw, wide), stopped)
			continue
		}
		s.record(r, i, s.settle(i, raw), stopped)
	}
	if in.skips {
		slices.SortFunc(res.ruleSkips[r], func(a, b skip) int { return a.item - b.item })
	}
}

// record books increment inc of rule r on item i.
func (s *calcState) record(r, i int, inc money.Decimal, stopped *int) {
	res := s.res
	res.itemDiscount[i] = res.itemDiscount[i].Add(inc)
	res.ruleItems[r] = res.ruleItems[r].Add(inc)
	res.itemRules[i] = append(res.itemRules[i], r)
	res.ruleApplied[r] = true
	if s.in.rules[r].stop && s.stoppedBy[i] < 0 {
		s.stoppedBy[i] = r
		*stopped++
	}
}

// skipFor says why rule r does not process item i, or 0 if it does.
func (s *calcState) skipFor(r, i int) (skipReason, int) {
	if !s.in.matched(r, i) {
		return skipNotMatched, -1
	}
	if by := s.stoppedBy[i]; by >= 0 {
		return skipStopped, by
	}
	a := s.in.rules[r].action
	qty := s.in.items[i].qty
	switch a.Type {
	case rules.ByPercent, rules.ByFixed:
		if a.Step.Cmp(qty) > 0 {
			return skipStepGate, -1
		}
	case rules.BuyXGetY:
		if a.Step.Cmp(qty) >= 0 {
			return skipStepGate, -1
		}
	}
	return 0, -1
}

// ruleQty is the qty a rule discounts on a line: min(line qty, max_qty)
// (§6); max_qty 0 means no limit.
func ruleQty(a *rules.Action, qty money.Decimal) money.Decimal {
	if a.MaxQty.Sign() > 0 {
		return money.Min(qty, a.MaxQty)
	}
	return qty
}

// stepQty floors q to a multiple of step when step > 0 (fixQuantity).
func stepQty(q, step money.Decimal) money.Decimal {
	if step.Sign() <= 0 {
		return q
	}
	return floorDiv(q, step).Mul(step)
}

// floorDiv returns floor(a / b) for b > 0, exactly.
func floorDiv(a, b money.Decimal) money.Decimal { return money.QuoFloor(a, b) }

// byPercent is §5.1: percent of what is left of the discounted units. The
// item's cumulative percent gains the rule's percent before rounding, so the
// percent carry uses the new key.
func (s *calcState) byPercent(r, i int) money.Decimal {
	a := s.in.rules[r].action
	it := &s.in.items[i]
	p := money.Min(a.Amount, money.Hundred)
	q := stepQty(ruleQty(a, it.qty), a.Step)
	raw := q.Mul(it.price).Sub(s.res.itemDiscount[i]).Mul(p).Mul(hundredth)
	// Magento compares max_qty with the rule's qty, which never exceeds it:
	// the percent is always added. Kept literal so a change of qty is visible.
	if a.MaxQty.Sign() <= 0 || a.MaxQty.Cmp(q) >= 0 {
		s.pct[i] = money.Min(money.Hundred, s.pct[i].Add(p))
	}
	return raw
}

// byFixed is §5.2: amount per discounted unit, bounded by what is left of
// the whole line (line qty × price − discount so far, as Magento's
// ByFixedTest::testCalculate has it), not of the max_qty-limited units.
func (s *calcState) byFixed(r, i int) money.Decimal {
	a := s.in.rules[r].action
	it := &s.in.items[i]
	q := stepQty(ruleQty(a, it.qty), a.Step)
	return money.Min(a.Amount.Mul(q), it.qty.Mul(it.price).Sub(s.res.itemDiscount[i]))
}

// buyXGetY is §5.4: X = step, Y = amount, Y > X
// allowed, free units valued at the effective unit price
// max(0, price − discount so far / line qty).
//
// When the line was already discounted and its share divides inexactly,
// the increment has 20 fractional digits: it comes back in 128 bits (wide)
// so that neither it nor the carry it feeds needs arbitrary precision.
func (s *calcState) buyXGetY(r, i int) (raw money.Decimal, wraw money.Wide, wide bool) {
	a := s.in.rules[r].action
	it := &s.in.items[i]
	x, y := a.Step, a.Amount
	if x.Sign() <= 0 || y.Sign() <= 0 {
		return money.Zero, money.Wide{}, false
	}
	q := ruleQty(a, it.qty)
	period := x.Add(y)
	full := floorDiv(q, period)
	left := q.Sub(full.Mul(period))
	free := full.Mul(y).Add(money.Max(money.Zero, left.Sub(x)))
	s.freeUnits[r] = s.freeUnits[r].Add(free)
	// free × (price − d/qty), with one division so exact halves stay exact.
	d := s.res.itemDiscount[i]
	if share, ok := money.QuoWide(free.Mul(d), it.qty); ok && !d.IsZero() && !share.Exact() {
		if gross, ok := money.WideOf(free.Mul(it.price)); ok {
			if w, ok := gross.Sub(share); ok {
				if w.Sign() < 0 {
					return money.Zero, money.Wide{}, false
				}
				return money.Decimal{}, w, true
			}
		}
	}
	raw = free.Mul(it.price).Sub(free.Mul(d).Div(it.qty))
	if raw.Sign() < 0 {
		return money.Zero, money.Wide{}, false
	}
	return raw, money.Wide{}, false
}

// settle turns a raw increment into the applied one (§8, §9): add the
// percent-keyed carry when the item has a cumulative percent and a positive
// row total, update the carry from the unclamped sum, clamp to the row total
// at 100 %, round to the currency; only then clamp the increment at ≥ 0 and
// cap the item's total at its row total. The clamps change the increment,
// never the carry.
func (s *calcState) settle(i int, raw money.Decimal) money.Decimal {
	return s.settleRaw(i, raw, money.Wide{}, false)
}

// settleRaw is settle of a raw increment given as a Decimal, or, when
// haveWide, as a money.Wide (raw is then unset): a share that divides
// inexactly needs 20 fractional digits, which 128 bits hold without
// allocating.
func (s *calcState) settleRaw(i int, raw money.Decimal, wraw money.Wide, haveWide bool) money.Decimal {
	cur := s.in.cur
	it := &s.in.items[i]
	key := s.pct[i]
	var inc money.Decimal
	above := false // the unclamped sum is above the row total
	if key.Sign() != 0 && it.rowTotal.Sign() > 0 {
		c := &s.carry[s.carryIndex(key)]
		done := false
		if c.wide {
			inc, above, done = c.addWide(cur, raw, wraw, haveWide, it.rowTotal)
			if !done {
				c.delta, c.wide = c.wdelta.Decimal(), false
			}
		}
		if !done {
			if haveWide {
				raw, haveWide = wraw.Decimal(), false
			}
			x := raw.Add(c.delta)
			inc = cur.Round(x)
			c.delta = x.Sub(inc)
			above = x.Cmp(it.rowTotal) > 0
		}
	} else {
		if haveWide {
			if r, ok := wraw.Round(cur.Digits); ok {
				inc = r
			} else {
				raw, haveWide = wraw.Decimal(), false
			}
		}
		if !haveWide {
			inc = cur.Round(raw)
		}
		// No carry: x is raw. Only a 100% key compares it below, and a
		// zero key is not one.
	}
	// The row total is whole minor units, so rounding min(x, row) is row
	// when x is above it and round(x) otherwise.
	if key.Sign() != 0 && key.Equal(money.Hundred) && above {
		inc = it.rowTotal
	}
	if inc.Sign() < 0 {
		return money.Zero
	}
	// min(so far + inc, row) − so far, without building the sum.
	if room := it.rowTotal.Sub(s.res.itemDiscount[i]); inc.Cmp(room) > 0 {
		return room
	}
	return inc
}

// addWide adds the raw increment to the carry in 128 bits and rounds the
// sum: the increment, whether the sum is above row, and ok. When ok is
// false nothing has changed.
func (c *percentCarry) addWide(cur money.Currency, raw money.Decimal, wraw money.Wide, haveWide bool, row money.Decimal) (inc money.Decimal, above, ok bool) {
	if !haveWide {
		if wraw, ok = money.WideOf(raw); !ok {
			return money.Decimal{}, false, false
		}
	}
	x, ok := wraw.Add(c.wdelta)
	if !ok {
		return money.Decimal{}, false, false
	}
	inc, ok = x.Round(cur.Digits)
	if !ok {
		return money.Decimal{}, false, false
	}
	winc, ok := money.WideOf(inc)
	if !ok {
		return money.Decimal{}, false, false
	}
	wrow, ok := money.WideOf(row)
	if !ok {
		return money.Decimal{}, false, false
	}
	delta, ok := x.Sub(winc)
	if !ok {
		return money.Decimal{}, false, false
	}
	c.wdelta = delta
	return inc, x.Cmp(wrow) > 0, true
}

// cartFixed is the state of one cart_fixed rule during its pass (§5.3).
type cartFixed struct {
	total     money.Decimal // T: Σ price × rule qty over the rule's eligible items, from the cart as it arrived
	existing  money.Decimal // E: discount on the eligible items when the rule processes its first item
	started   bool          // E has been taken
	count     int           // eligible items not yet processed; ≤ 1 means "this is the last"
	available money.Decimal // what is left of the rule's amount
	// The rule's DeltaPriceRound carry: in 128 bits (wdelta) while every
	// value fits there, as it does in carts of any ordinary size, else in
	// delta. Both forms hold the same exact value (money.Wide).
	wide   bool
	wdelta money.Wide
	delta  money.Decimal
}

// seed resets the carry to deltaSeed.
func (cf *cartFixed) seed() {
	cf.wdelta, cf.wide = money.WideOf(deltaSeed)
	cf.delta = deltaSeed
}

// newCartFixed prepares rule r. Its eligible items are every item its action
// matches (cart_fixed has no step gate), including items an earlier stop rule
// will keep it from processing: Magento counts them in initTotals, before
// any rule runs. T depends only on the cart as it arrived, so taking it here
// is the same as freezing it before the first rule.
func (s *calcState) newCartFixed(r int) *cartFixed {
	a := s.in.rules[r].action
	if s.fixed == nil {
		s.fixed = new(cartFixed) // one per calculation: rules take turns
	}
	cf := s.fixed
	*cf = cartFixed{available: a.Amount}
	cf.seed()
	for i := range s.in.items {
		if s.in.matched(r, i) {
			it := &s.in.items[i]
			cf.total = cf.total.Add(it.price.Mul(ruleQty(a, it.qty)))
			cf.count++
		}
	}
	return cf
}

// round is DeltaPriceRound::round of v = num ÷ den (Div's 20 digits; den
// 1 means v is num): a zero value leaves the carry as it is.
func (cf *cartFixed) round(cur money.Currency, num, den money.Decimal) money.Decimal {
	if cf.wide {
		if rounded, ok := cf.roundWide(cur, num, den); ok {
			return rounded
		}
		cf.wide, cf.delta = false, cf.wdelta.Decimal() // for good: the forms are equal
	}
	v := num
	if !den.Equal(money.One) {
		v = num.Div(den)
	}
	if v.IsZero() {
		return v
	}
	x := v.Add(cf.delta)
	rounded := cur.Round(x)
	cf.delta = x.Sub(rounded)
	return rounded
}

// roundWide is round in 128 bits; ok is false, with the carry untouched,
// when a value does not fit there.
func (cf *cartFixed) roundWide(cur money.Currency, num, den money.Decimal) (money.Decimal, bool) {
	v, ok := money.QuoWide(num, den)
	if !ok {
		return money.Decimal{}, false
	}
	if v.IsZero() {
		return money.Zero, true
	}
	x, ok := v.Add(cf.wdelta)
	if !ok {
		return money.Decimal{}, false
	}
	rounded, ok := x.Round(cur.Digits)
	if !ok {
		return money.Decimal{}, false
	}
	r, ok := money.WideOf(rounded)
	if !ok {
		return money.Decimal{}, false
	}
	d, ok := x.Sub(r)
	if !ok {
		return money.Decimal{}, false
	}
	cf.wdelta = d
	return rounded, true
}

// cartFixedShare is §5.3 (with apply_to_shipping too): the item's
// share of the rule's amount, proportional to what is left of it, carried
// rounding, the last item clamped to what is left of the amount. Amounts
// lost to the per-item cap are not redistributed.
func (s *calcState) cartFixedShare(cf *cartFixed, r, i int) money.Decimal {
	cur := s.in.cur
	a := s.in.rules[r].action
	it := &s.in.items[i]
	if !cf.started {
		cf.started = true
		for j := range s.in.items {
			if s.in.matched(r, j) {
				cf.existing = cf.existing.Add(s.res.itemDiscount[j])
			}
		}
	}
	if cf.available.Sign() <= 0 {
		return money.Zero // used up; the item still counts as processed
	}
	base := it.price.Mul(ruleQty(a, it.qty))
	// The item's share before rounding is vNum ÷ vDen.
	vNum, vDen := money.Zero, money.One
	if a.ApplyToShipping {
		// Earlier discounts are not subtracted here (§5.3).
		if den := cf.total.Add(s.in.shipping); den.Sign() > 0 {
			vNum, vDen = a.Amount.Mul(base), den
		}
	} else if den := cf.total.Sub(cf.existing); den.Sign() > 0 {
		num := base.Sub(s.res.itemDiscount[i])
		if num.Cmp(den) >= 0 {
			vNum = a.Amount // ratio capped at 1
		} else {
			vNum, vDen = a.Amount.Mul(num), den
		}
	}
	share := money.Min(base, cf.round(cur, vNum, vDen))
	if cf.count <= 1 {
		cf.seed()
		share = money.Min(share, cf.available)
	} else {
		cf.count--
	}
	share = cur.Round(share)
	cf.available = cf.available.Sub(share)
	if cf.available.Sign() <= 0 {
		cf.seed()
	}
	return cur.Round(money.Min(base, share))
}

// shippingLoop is §10 (Magento's PR #40869): rules with apply_to_shipping discount
// the shipping amount in rule order, the running total capped at the shipping
// amount; the first rule that applied (to items or shipping) and has stop
// further rules ends the loop, whether or not it applies to shipping.
func (s *calcState) shippingLoop() {
	in, res := s.in, s.res
	ship := in.shipping
	if ship.Sign() <= 0 {
		return
	}
	totalQty := money.Zero
	for i := range in.items {
		totalQty = totalQty.Add(in.items[i].qty)
	}
	for r := range in.rules {
		rule := &in.rules[r]
		a := rule.action
		if a.ApplyToShipping {
			prev := res.shippingDiscount
			var inc money.Decimal
			switch a.Type {
			case rules.ByPercent:
				inc = ship.Sub(prev).Mul(money.Min(a.Amount, money.Hundred)).Mul(hundredth)
			case rules.ByFixed:
				inc = a.Amount // once per shipment, not per unit
			case rules.CartFixed:
				inc = in.cur.Round(a.Amount.Mul(ship).Div(in.subtotal.Add(ship)))
			case rules.BuyXGetY:
				inc = ship.Mul(s.freeUnits[r]).Div(totalQty)
			}
			next := money.Max(in.cur.Round(money.Min(prev.Add(inc), ship)), prev)
			res.ruleShipping[r] = next.Sub(prev)
			res.shippingDiscount = next
			res.ruleApplied[r] = true
		}
		if rule.stop && res.ruleApplied[r] {
			res.shippingStoppedBy = r
			return
		}
	}
}

// freeShippingPass is §11: per item, each rule in order that
// matches it marks the item (matching_items: all units, or max_qty units) or
// the shipment (shipment); a later matching_items rule overwrites an earlier
// mark, as Magento does; a matching rule with stop further rules ends the
// pass for that item. The shipment is free when a shipment rule fired or
// every line is free for all its units; then the shipping left after the
// discount loop is waived and attributed to freeShippingBy, the lowest-index
// rule that made the shipment free.
func (s *calcState) freeShippingPass() {
	in, res := s.in, s.res
	shipmentBy, linesBy := -1, -1
	allFree := len(in.items) > 0
	for i := range in.items {
		it := &in.items[i]
		markedBy := -1
		for r := range in.rules {
			if !in.matched(r, i) {
				continue
			}
			a := in.rules[r].action
			switch a.FreeShipping {
			case rules.FreeShippingMatching:
				res.itemFreeQty[i] = ruleQty(a, it.qty)
				markedBy = r
				res.ruleApplied[r] = true
			case rules.FreeShippingShipment:
				if shipmentBy < 0 || r < shipmentBy {
					shipmentBy = r
				}
				res.ruleApplied[r] = true
			}
			if in.rules[r].stop {
				break
			}
		}
		if markedBy < 0 || res.itemFreeQty[i].Cmp(it.qty) < 0 {
			allFree = false
		} else if linesBy < 0 || markedBy < linesBy {
			linesBy = markedBy
		}
	}
	by := shipmentBy
	if allFree && (by < 0 || linesBy < by) {
		by = linesBy
	}
	if by < 0 {
		return
	}
	res.freeShipping = true
	res.freeShippingBy = by
	if rest := in.shipping.Sub(res.shippingDiscount); rest.Sign() > 0 {
		res.shippingDiscount = in.shipping
		res.ruleShipping[by] = res.ruleShipping[by].Add(rest)
	}
}
