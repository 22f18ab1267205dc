package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/money"
)

// Options tune one evaluation.
type Options struct {
	// Explain adds, for every rule, why it applied or not.
	Explain bool
	// Now is the evaluation instant when the cart gives none; zero means
	// the clock's now.
	Now time.Time
	// Placements asks for the dynamic blocks of these placements, chosen
	// for this cart after its rules applied.
	Placements []string
	// VisitorID makes random and shuffle rotations stable per visitor.
	VisitorID string
	// View is the storefront's view counter for series and shuffle
	// rotations (the storefront keeps it, as Magento's rotator does).
	View int
	// Limits, when set, is the usage the rules with limits, budgets or
	// generated codes are checked against (see Limits).
	Limits Limits
}

// Rule statuses, as reported in explanations.
const (
	statusApplied     = "applied"
	statusDisabled    = "disabled"
	statusWebsite     = "website"
	statusGroup       = "customer_group"
	statusNotStarted  = "not_started"
	statusExpired     = "expired"
	statusCoupon      = "coupon"
	statusCondition   = "condition"
	statusError       = "error"
	statusNoItems     = "no_items"
	statusStopped     = "stopped"
	statusNothingLeft = "nothing_left"
)

// evaluation is the state of one Evaluate call.
type evaluation struct {
	p     *Program
	cart  *Cart
	cur   money.Currency
	now   time.Time
	nowNS int64 // now in Unix nanoseconds, for targets
	m     *dsl.Machine
	env   dsl.Env
	boxed any // &env: programs read the environment through the pointer
	res   *Result
	// The walk over every rule (plain.go) records every rule's status and
	// reason, and boxes env with Item set to each line on first use.
	status []string // per program rule
	reason []string
	itemEv []any
	// The indexed walk (indexed.go) keeps its per-evaluation memory here.
	s *scratch
	// limits is Options.Limits.
	limits Limits
	// budgetLeft is what is left of the amount budget of each rule gate
	// let through; clamped the rules whose discount it bound (limits.go).
	budgetLeft map[*rule]money.Decimal
	clamped    map[string]*BudgetClamp
}

// Evaluate prices a cart. The error is an *InputError when the cart cannot
// be evaluated at all (wrong currency, totals out of range); a rule that
// fails at run time is reported in Result.Errors and skipped instead.
//
// Without Options.Explain the rules are found through the program's index
// and share the clauses of their conditions (indexed.go); with it, every
// rule is walked so that each gets its reason (plain.go). Both give the same
// Result but for Explain.
func (p *Program) Evaluate(c *Cart, opt Options) (*Result, error) {
	if opt.Explain {
		return p.evaluatePlain(c, opt)
	}
	return p.evaluateIndexed(c, opt)
}

// start checks the cart's currency, fixes the evaluation instant and builds
// the condition environment: the part every walk shares.
// s, when not nil, lends the environment and the arithmetic their memory
// (attribute maps, lines, rules), so that a pooled evaluation allocates
// little beyond its Result.
func (p *Program) start(c *Cart, opt Options, s *scratch) (*evaluation, input, error) {
	ev := &evaluation{}
	if s != nil {
		ev = &s.ev // pooled with the rest of the scratch; cleared in putScratch
	}
	*ev = evaluation{p: p, cart: c, cur: c.Currency, now: c.Now, res: newResult(), limits: opt.Limits}
	site := p.CurrencyOf(orDefault(c.Website, DefaultWebsite))
	if ev.cur.Code == "" {
		ev.cur = site
	}
	if ev.cur.Code != site.Code {
		return nil, input{}, &InputError{Field: "currency", Message: fmt.Sprintf(
			"website %q prices in %s, so its rules' amounts are in %s; a cart in %s cannot be priced with them (set websites.<code>.currency in ruled.yaml for a website with its own currency)",
			orDefault(c.Website, DefaultWebsite), site.Code, site.Code, ev.cur.Code)}
	}
	if ev.now.IsZero() {
		ev.now = opt.Now
	}
	if ev.now.IsZero() {
		ev.now = time.Now()
	}
	ev.nowNS = unixNano(ev.now)
	ev.s = s
	in, err := ev.buildEnv()
	if err != nil {
		return nil, in, err
	}
	return ev, in, nil
}

// finish writes the Result from the arithmetic and chooses the blocks.
func (ev *evaluation) finish(in *input, opt Options) (*Result, error) {
	var mem *calcMem
	if ev.s != nil {
		mem = &ev.s.calc
	}
	out := calculateIn(&in.calcInput, mem)
	ev.clampBudgets(in, out) // what is left of amount budgets (limits.go)
	ev.guard(in, out)        // the project's cap on the total discount (guardrail.go)
	ev.result(in, out)
	if opt.Explain {
		ev.explain(in, out)
		ev.explainGuardrail()
	}
	ev.reportBudgets()
	if err := ev.selectBlocks(opt); err != nil {
		return nil, err
	}
	return ev.res, nil
}

// input is the arithmetic's input plus, per calc rule, its program index.
type input struct {
	calcInput
	ruleIndex []int
}

func (ev *evaluation) buildEnv() (input, error) {
	c, cur := ev.cart, ev.cur
	in := input{calcInput: calcInput{cur: cur, shipping: c.Shipping.Amount}}
	n := len(c.Items)
	var attrMaps *[]map[string]dsl.Value
	var itemPtrs []*dsl.ItemEnv
	var member []bool
	var lines []dsl.ItemEnv
	var attrList []dsl.NamedValue // every line's, one block (lines keep full slices of it)
	if s := ev.s; s != nil {
		attrMaps = &s.attrMaps
		attrList = s.attrList[:0]
		s.items = grow(s.items, n)
		s.itemEnvs = grow(s.itemEnvs, n)
		s.itemPtrs = grow(s.itemPtrs, n)
		s.member = grow(s.member, len(ev.p.audiences))
		in.items, lines, itemPtrs, member = s.items, s.itemEnvs, s.itemPtrs, s.member
		in.rules, in.ruleIndex = s.calcRules[:0], s.ruleIndex[:0]
	} else {
		in.items = make([]calcItem, n)
		lines = make([]dsl.ItemEnv, n) // one allocation for every line
		itemPtrs = make([]*dsl.ItemEnv, n)
		member = make([]bool, len(ev.p.audiences))
	}
	// Strings are folded into one buffer and made with one allocation.
	t := &text{}
	if ev.s != nil {
		t = &ev.s.text
	}
	defer t.flush()
	env := &ev.env
	*env = dsl.Env{Items: itemPtrs, Member: member}
	t.fold(&env.Customer.ID, c.Customer.ID)
	t.fold(&env.Customer.Group, orDefault(c.Customer.Group, DefaultGroup))
	t.fold(&env.Coupon, strings.TrimSpace(c.CouponCode))
	t.fold(&env.Shipping.Method, c.Shipping.Method)
	t.fold(&env.Shipping.Country, c.Shipping.Country)
	t.fold(&env.Shipping.Region, c.Shipping.Region)
	t.fold(&env.Shipping.Postcode, c.Shipping.Postcode)
	t.fold(&env.Payment.Method, c.Payment.Method)
	t.fold(&env.Website, orDefault(c.Website, DefaultWebsite))
	var totalQty, weight, prices money.Decimal
	var bad error
	line := -1 // the line being read, for the field of an error
	number := func(field string, d money.Decimal) int {
		n, ok := dsl.Number(d)
		if !ok && bad == nil {
			if line >= 0 {
				field = fmt.Sprintf("items[%d].%s", line, field)
			}
			bad = &InputError{Field: field, Message: fmt.Sprintf("%s is out of the range ruled computes with", d)}
		}
		return n
	}
	reads := ev.p.reads
	for i := range c.Items {
		it := &c.Items[i]
		line = i
		row := cur.Round(it.Price.Mul(it.Qty))
		rowWeight := it.Weight.Mul(it.Qty)
		in.items[i] = calcItem{qty: it.Qty, price: it.Price, rowTotal: row}
		in.subtotal = in.subtotal.Add(row)
		totalQty, weight, prices = totalQty.Add(it.Qty), weight.Add(rowWeight), prices.Add(it.Price)
		ie := &lines[i]
		*ie = dsl.ItemEnv{
			Qty: number("qty", it.Qty), Price: number("price", it.Price), RowTotal: number("price", row),
			Weight: number("weight", it.Weight), RowWeight: number("weight", rowWeight),
			Categories: foldAll(it.Categories),
		}
		if reads.sku {
			t.fold(&ie.SKU, it.SKU)
		}
		if reads.name {
			t.fold(&ie.Name, it.Name)
		}
		if reads.attrs && len(it.Attributes) > 0 {
			ie.Attrs = attrMap(attrMaps, i, len(it.Attributes))
			from := len(attrList)
			for _, a := range it.Attributes {
				v := attrValue(a.Attr)
				ie.Attrs[a.Name] = v
				attrList = append(attrList, dsl.NamedValue{Name: a.Name, Value: v})
			}
			ie.AttrList = attrList[from:len(attrList):len(attrList)]
		}
		env.Items[i] = ie
	}
	line = -1
	if ev.s != nil {
		ev.s.attrList = attrList[:0] // kept for the next evaluation
	}
	// Sums over any subset of lines stay within these, so no condition can
	// overflow.
	env.Cart = dsl.CartEnv{
		Subtotal: number("items", in.subtotal), TotalQty: number("items", totalQty), Weight: number("items", weight),
		LineCount: len(c.Items) * 10000,
	}
	t.fold(&env.Cart.Currency, cur.Code)
	number("items", prices)
	env.Shipping.Amount = number("shipping.amount", c.Shipping.Amount)
	if bad != nil {
		return in, bad
	}
	if cap(ev.res.Audiences) < len(c.Segments) {
		ev.res.Audiences = make([]string, 0, len(c.Segments)) // at most one per segment: never grows
	}
	for _, id := range c.Segments {
		if i, ok := ev.p.byID[id]; ok && !env.Member[i] {
			env.Member[i] = true
			ev.res.Audiences = append(ev.res.Audiences, ev.p.audiences[i].Name)
		}
	}
	ev.res.Segments = append(ev.res.Segments[:0], c.Segments...)
	if ev.res.Segments == nil {
		ev.res.Segments = []string{}
	}
	if ev.res.Audiences == nil {
		ev.res.Audiences = []string{}
	}
	ev.boxed = env
	return in, nil
}

// attrMap returns an empty map for line i's attributes: the lent one, if
// any (grown to hold line i), else a new one.
func attrMap(lent *[]map[string]dsl.Value, i, n int) map[string]dsl.Value {
	if lent == nil {
		return make(map[string]dsl.Value, n)
	}
	for len(*lent) <= i {
		*lent = append(*lent, make(map[string]dsl.Value, n))
	}
	m := (*lent)[i]
	clear(m)
	return m
}

// foldAll folds a list of strings, returning l itself when nothing
// changes (the environment only reads it).
func foldAll(l []string) []string {
	for i, s := range l {
		if f := dsl.Fold(s); f != s {
			out := make([]string, len(l))
			copy(out, l[:i])
			for j := i; j < len(l); j++ {
				out[j] = dsl.Fold(l[j])
			}
			return out
		}
	}
	if l == nil {
		return []string{}
	}
	return l
}

func attrValue(a Attr) dsl.Value {
	switch {
	case a.IsList:
		return dsl.ListValue(a.List)
	case a.IsBool:
		return dsl.BoolValue(a.Bool)
	case a.IsNum:
		v, _ := dsl.NumberValue(a.Num)
		return v
	}
	return dsl.StringValue(a.Str)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// result writes the Result from the arithmetic's output.
func (ev *evaluation) result(in *input, out *calcResult) {
	cur, res := ev.cur, ev.res
	t := &text{}
	if ev.s != nil {
		t = &ev.s.text
	}
	var itemDisc money.Decimal
	nIDs := 0
	for j := range ev.cart.Items {
		nIDs += len(out.itemRules[j])
	}
	ids := make([]string, nIDs) // every line's applied rules, in one block
	res.Items = reuse(res.Items, len(ev.cart.Items))
	for j, it := range ev.cart.Items {
		lineIDs := ids[:len(out.itemRules[j]):len(out.itemRules[j])]
		ids = ids[len(lineIDs):]
		for x, k := range out.itemRules[j] {
			lineIDs[x] = in.rules[k].id
		}
		ir := &res.Items[j]
		*ir = ItemResult{SKU: it.SKU, AppliedRules: lineIDs}
		at := t.mark()
		t.b = it.Qty.AppendString(t.b)
		t.set(&ir.Qty, at)
		at = t.mark()
		t.b = cur.AppendFormat(t.b, it.Price)
		t.set(&ir.Price, at)
		at = t.mark()
		t.b = cur.AppendFormat(t.b, in.items[j].rowTotal)
		t.set(&ir.RowTotal, at)
		at = t.mark()
		t.b = cur.AppendFormat(t.b, out.itemDiscount[j])
		t.set(&ir.Discount, at)
		if out.itemFreeQty[j].Sign() > 0 {
			at = t.mark()
			t.b = out.itemFreeQty[j].AppendString(t.b)
			t.set(&ir.FreeShippingQty, at)
		}
		itemDisc = itemDisc.Add(out.itemDiscount[j])
	}
	applied := 0
	for _, ok := range out.ruleApplied {
		if ok {
			applied++
		}
	}
	res.AppliedRules = reuse(res.AppliedRules, applied)[:0] // never grows: the spans point into it
	for k, ok := range out.ruleApplied {
		if !ok {
			continue
		}
		r := ev.p.rules[in.ruleIndex[k]]
		res.AppliedRules = append(res.AppliedRules, AppliedRule{ID: r.ID, Name: r.Name, Label: r.DisplayLabel()})
		at := t.mark()
		t.b = cur.AppendFormat(t.b, out.ruleItems[k].Add(out.ruleShipping[k]))
		t.set(&res.AppliedRules[len(res.AppliedRules)-1].Discount, at)
	}
	discount := itemDisc.Add(out.shippingDiscount)
	for _, f := range []struct {
		dst *string
		v   money.Decimal
	}{
		{&res.Totals.Subtotal, in.subtotal},
		{&res.Totals.Discount, discount},
		{&res.Totals.Shipping, in.shipping},
		{&res.Totals.ShippingDiscount, out.shippingDiscount},
		{&res.Totals.GrandTotal, in.subtotal.Sub(discount).Add(in.shipping)},
	} {
		at := t.mark()
		t.b = cur.AppendFormat(t.b, f.v)
		t.set(f.dst, at)
	}
	t.flush()
	res.FreeShipping = out.freeShipping
	if res.Errors == nil {
		res.Errors = []RuleError{}
	}
	ev.coupon(in, out)
}

// coupon reports whether the cart's code did anything, and if not, why, from
// the first rule (in order) that the code belongs to.
func (ev *evaluation) coupon(in *input, out *calcResult) {
	code := strings.TrimSpace(ev.cart.CouponCode)
	if code == "" {
		return
	}
	cr := &CouponResult{Code: code}
	ev.res.Coupon = cr
	applied := func(i int) bool {
		for k, ok := range out.ruleApplied {
			if ok && in.ruleIndex[k] == i {
				return true
			}
		}
		return false
	}
	first := -1
	for _, i := range ev.p.idx.byCoupon[ev.env.Coupon] { // in rule order
		if applied(int(i)) {
			cr.Applied, cr.Reason = true, ""
			return
		}
		if first < 0 {
			first = int(i)
		}
	}
	if first < 0 {
		cr.Reason = "no promotion uses this code"
		return
	}
	status, reason := ev.statusOf(first)
	switch status {
	case "":
		cr.Reason = "the promotion found nothing in this cart to discount"
	case statusCondition:
		cr.Reason = "the cart does not meet the promotion's conditions"
	default:
		cr.Reason = reason
	}
}

// statusOf is the status and reason rule i got before the arithmetic:
// those the walk over every rule recorded, or, after the indexed walk,
// found again for this one rule.
func (ev *evaluation) statusOf(i int) (string, string) {
	if ev.status != nil {
		return ev.status[i], ev.reason[i]
	}
	r := ev.p.rules[i]
	if status, reason := ev.filter(r); status != "" {
		return status, reason
	}
	if r.when == nil {
		return "", ""
	}
	if ev.s != nil {
		// The indexed walk has most of the rule's clauses answered
		// already; only a failing clause needs the whole condition run,
		// for the message it gives.
		if ok, err := ev.holds(r); err == nil {
			if !ok {
				return statusCondition, ""
			}
			return "", ""
		}
	}
	ok, err := ev.m.Eval(r.when, ev.boxed)
	switch {
	case err != nil:
		return statusError, err.Error()
	case !ok:
		return statusCondition, ""
	}
	return "", ""
}
