package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// ruleSettings are the first words of a rule's settings, in the order the
// printer writes them. Each maps to fields of the YAML schema:
//
//	label "TEXT"                                label
//	disabled | enabled                          enabled
//	websites CODE, ...                          websites
//	groups CODE, ...                            customer_groups
//	active DAY .. DAY | active from DAY | active until DAY   from, to
//	priority N                                  priority
//	coupon CODE, ... | coupons CODE, ...        coupon (the word generated: the generated pool)
//	uses per coupon N                           uses_per_coupon
//	uses per customer N                         uses_per_customer
//	budget AMOUNT | budget N redemptions | budget AMOUNT and N redemptions
//	                                            budget.amount, budget.redemptions
//	when CONDITION                              when
//	discount N% | N per unit | N per cart       action.type and action.amount
//	buy X get Y free                            action.type, action.step, action.amount
//	  ... on items where CONDITION              action.items (after discount or buy)
//	on items where CONDITION                    action.items (on its own line)
//	max qty N                                   action.max_qty
//	step N                                      action.step
//	apply to shipping                           action.apply_to_shipping
//	free shipping for matching items | free shipping for the shipment | no free shipping
//	                                            action.free_shipping
//	stop further rules                          stop_further_rules
var ruleSettings = []string{
	"label", "disabled", "enabled", "websites", "website", "groups", "group", "active", "priority",
	"coupon", "coupons", "uses", "budget", "when", "discount", "buy", "on", "max", "step", "apply", "free", "no", "stop",
}

// ruleSettingsHelp lists the settings in messages, as they start.
const ruleSettingsHelp = "label, disabled, websites, groups, active, priority, coupon, uses per coupon, uses per customer, budget, when, discount, buy ... get ... free, " +
	"on items where, max qty, step, apply to shipping, free shipping, no free shipping, stop further rules"

const (
	discountUsage = "discount 10%, discount 5 per unit or discount 20 per cart, optionally followed by on items where ..."
	buyUsage      = "buy 2 get 1 free, optionally followed by on items where ..."
	itemsUsage    = `on items where "shoes" in item.categories`
	activeUsage   = "active 2026-11-20 .. 2026-12-31, active from 2026-11-20 or active until 2026-12-31"
	freeUsage     = "free shipping for matching items, or free shipping for the shipment"
	usesUsage     = "uses per coupon 100 or uses per customer 1"
	budgetUsage   = "budget 5000, budget 100 redemptions or budget 5000 and 100 redemptions"
)

func (lw *lowerer) rule(d *decl) rules.CartRule {
	r := rules.CartRule{Enabled: true, Pos: lw.src.at(d.Pos), Fields: map[string]diag.Pos{}}
	r.ID, r.Name = lw.header(d, "rule", r.Fields)
	seen := map[string]diag.Pos{}
	if d.Body != nil {
		for _, st := range d.Body.Settings {
			lw.ruleSetting(st, &r, seen)
		}
	}
	a := &r.Action
	if a.Type == "" && a.FreeShipping != "" && a.FreeShipping != rules.NoFreeShipping {
		// Free shipping alone is Magento's "percent of price" rule with
		// no discount.
		a.Type = rules.ByPercent
	}
	switch _, tried := seen["action"]; {
	case a.Type != "":
	case tried:
		// The discount line has a problem, reported; rules.Validate's
		// "no action" would be noise.
		lw.unread = append(lw.unread, r.Fields["action"])
	default:
		who := "this rule"
		if r.ID != "" {
			who = "rule " + r.ID
		}
		lw.diags.Add(r.Pos, "missing-field", "%s gives nothing: add a line such as discount 10%%, buy 2 get 1 free or free shipping for the shipment", who)
		// rules.Validate says the same in YAML terms; keep it quiet.
		end := lw.src.at(d.EndPos)
		r.Fields["action"] = end
		lw.unread = append(lw.unread, end)
	}
	return r
}

func (lw *lowerer) ruleSetting(st *setting, r *rules.CartRule, seen map[string]diag.Pos) {
	w, ok := lw.line(st, ruleSettings, "a rule", ruleSettingsHelp)
	if !ok {
		return
	}
	f, a := r.Fields, &r.Action
	if w.name != "when" && w.name != "where" && w.name != "discount" && w.name != "buy" && w.name != "on" && !w.noClause() {
		return
	}
	switch w.name {
	case "label":
		if w.once("label", seen) {
			r.Label, _ = w.quoted("label", f)
		}
	case "disabled", "enabled":
		if w.once("enabled", seen) {
			r.Enabled = w.name == "enabled"
			f["enabled"] = lw.src.at(st.Pos)
		}
	case "websites", "website":
		if w.once("websites", seen) {
			r.Websites = w.list("websites", f, "a website code")
		}
	case "groups", "group":
		if w.once("customer_groups", seen) {
			r.CustomerGroups = w.list("customer_groups", f, "a customer group code")
		}
	case "coupon", "coupons":
		if w.once("coupon", seen) {
			r.Coupons, r.GeneratedCoupons = splitGenerated(w.list("coupon", f, "a coupon code"))
		}
	case "uses":
		if !w.expect(usesUsage, "per") {
			break
		}
		switch {
		case w.is("coupon"):
			if w.once("uses_per_coupon", seen) {
				w.priority("uses_per_coupon", &r.UsesPerCoupon, f)
			}
		case w.is("customer"):
			if w.once("uses_per_customer", seen) {
				w.priority("uses_per_customer", &r.UsesPerCustomer, f)
			}
		default:
			w.unexpected(usesUsage, "coupon", "customer")
		}
	case "budget":
		if w.once("budget", seen) {
			w.budget(&r.Budget, f)
		}
	case "active":
		if w.once("active", seen) {
			w.active(&r.From, &r.To, f)
		}
	case "priority":
		if w.once("priority", seen) {
			w.priority("priority", &r.Priority, f)
		}
	case "stop":
		if w.once("stop_further_rules", seen) && w.expect("stop further rules", "further", "rules") {
			r.StopFurtherRules = true
			f["stop_further_rules"] = lw.src.at(st.Pos)
		}
	case "when":
		if w.once("when", seen) {
			r.When = w.condition("when", f)
		}
		return // the condition is the rest of the line
	case "where":
		lw.diags.Add(lw.src.at(st.Pos), "invalid-value", `"where" chooses the discounted items: write %s; a condition on the cart starts with when`, itemsUsage)
		return
	case "discount":
		if w.once("action", seen) {
			f["action"] = lw.src.at(st.Pos)
			if w.discount(a, f) {
				w.items(a, f, seen, false)
			}
		}
		return
	case "buy":
		if w.once("action", seen) && w.once("action.step", seen) {
			f["action"] = lw.src.at(st.Pos)
			if w.buy(a, f) {
				w.items(a, f, seen, false)
			}
		}
		return
	case "on":
		w.items(a, f, seen, true)
		return
	case "max":
		if w.once("action.max_qty", seen) && w.expect("max qty 2", "qty") {
			a.MaxQty, _ = w.number("action.max_qty", f, "a number of units")
		}
	case "step":
		if w.once("action.step", seen) {
			a.Step, _ = w.number("action.step", f, "a number of units")
		}
	case "apply":
		if w.once("action.apply_to_shipping", seen) && w.expect("apply to shipping", "to", "shipping") {
			a.ApplyToShipping = true
			f["action.apply_to_shipping"] = lw.src.at(st.Pos)
		}
	case "free":
		if w.once("action.free_shipping", seen) {
			w.freeShipping(a, f)
		}
	case "no":
		if w.once("action.free_shipping", seen) && w.expect("no free shipping", "free", "shipping") {
			a.FreeShipping = rules.NoFreeShipping
			f["action.free_shipping"] = lw.src.at(st.Pos)
		}
	}
	w.end()
}

// condition reads the condition after when or where.
func (w *line) condition(field string, f map[string]diag.Pos) rules.Expr {
	c := w.st.Cond
	if c == nil {
		w.lw.diags.Add(w.endPos(), "invalid-value", "%s needs a condition", w.name)
		return rules.Expr{}
	}
	span := c.Cond.span()
	if span.start == span.end {
		w.lw.diags.Add(w.lw.src.at(c.Pos), "invalid-value", "%q needs a condition after it on the same line, e.g. when cart.subtotal >= 100", c.Intro)
		return rules.Expr{}
	}
	e := w.lw.src.expr(span)
	f[field] = e.Pos
	return e
}

// items reads "on items where CONDITION", after an action or on its own
// line (alone, the "on" already read).
func (w *line) items(a *rules.Action, f map[string]diag.Pos, seen map[string]diag.Pos, alone bool) {
	c := w.st.Cond
	if !alone {
		if w.peek() == nil {
			if c != nil {
				w.lw.diags.Add(w.lw.src.at(c.Pos), "invalid-value", "write on items before %q: %s", c.Intro, itemsUsage)
			}
			return
		}
		if !w.expect(itemsUsage, "on") {
			return
		}
	}
	if !w.expect(itemsUsage, "items") {
		return
	}
	w.end()
	switch {
	case c == nil:
		w.lw.diags.Add(w.endPos(), "invalid-value", "on items needs a condition: %s", itemsUsage)
	case !strings.EqualFold(c.Intro, "where"):
		w.lw.diags.Add(w.lw.src.at(c.Pos), "invalid-value", "the items condition starts with where: %s", itemsUsage)
	case w.once("action.items", seen):
		a.Items = w.condition("action.items", f)
	}
}

func (w *line) discount(a *rules.Action, f map[string]diag.Pos) bool {
	amount, ok := w.number("action.amount", f, "an amount: "+discountUsage)
	if !ok {
		return false
	}
	f["action.type"] = w.lw.src.at(w.st.Pos)
	a.Amount = amount
	switch {
	case w.is("%"):
		a.Type = rules.ByPercent
	case w.is("per"):
		switch {
		case w.is("unit"):
			a.Type = rules.ByFixed
		case w.is("cart"):
			a.Type = rules.CartFixed
		default:
			w.unexpected(discountUsage, "unit", "cart")
			return false
		}
	default:
		w.unexpected(discountUsage, "%", "per")
		return false
	}
	return true
}

func (w *line) buy(a *rules.Action, f map[string]diag.Pos) bool {
	step, ok := w.number("action.step", f, "how many to buy: "+buyUsage)
	if !ok || !w.expect(buyUsage, "get") {
		return false
	}
	amount, ok := w.number("action.amount", f, "how many are free: "+buyUsage)
	if !ok || !w.expect(buyUsage, "free") {
		return false
	}
	f["action.type"] = w.lw.src.at(w.st.Pos)
	a.Type, a.Step, a.Amount = rules.BuyXGetY, step, amount
	return true
}

func (w *line) freeShipping(a *rules.Action, f map[string]diag.Pos) {
	if !w.expect(freeUsage, "shipping", "for") {
		return
	}
	f["action.free_shipping"] = w.lw.src.at(w.st.Pos)
	switch {
	case w.is("matching"):
		if w.expect(freeUsage, "items") {
			a.FreeShipping = rules.FreeShippingMatching
		}
	case w.is("the"):
		if w.expect(freeUsage, "shipment") {
			a.FreeShipping = rules.FreeShippingShipment
		}
	default:
		w.unexpected(freeUsage, "matching", "the")
	}
}

// priority reads a whole number into p: the priority, or a placement's
// limit (field names it).
func (w *line) priority(field string, p *int, f map[string]diag.Pos) {
	a := w.value(field, fmt.Sprintf("a whole number: %s 10", field))
	if a == nil {
		return
	}
	f[field] = w.lw.src.at(a.tok.Pos)
	text := a.tok.Value
	if text == "-" {
		if b := w.peek(); b != nil && b.tok.Type == tokWord {
			w.i++
			text += b.tok.Value
		}
	}
	n, err := strconv.Atoi(text)
	if err != nil || strings.HasPrefix(text, "+") {
		w.lw.errorf(a, "invalid-number", "%s %s is not a whole number: want digits such as 10", field, quoteShort(text))
		w.unreadable(a)
		return
	}
	*p = n
}

// active reads the date window.
func (w *line) active(from, to *rules.Bound, f map[string]diag.Pos) {
	switch {
	case w.is("from"):
		*from = w.bound("from", f)
		if w.is("until") {
			*to = w.bound("to", f)
		}
	case w.is("until"):
		*to = w.bound("to", f)
	default:
		*from = w.bound("from", f)
		if w.peek() == nil {
			w.unexpected(activeUsage, "..")
			return
		}
		if !w.is("..") {
			w.unexpected(activeUsage, "..")
			return
		}
		*to = w.bound("to", f)
	}
}

// bound reads a day or an RFC 3339 time.
func (w *line) bound(field string, f map[string]diag.Pos) rules.Bound {
	a := w.value("active", "a date: "+activeUsage)
	if a == nil {
		return rules.Bound{}
	}
	f[field] = w.lw.src.at(a.tok.Pos)
	if a.tok.Type == tokWord {
		if d, err := rules.ParseDate(a.tok.Value); err == nil {
			return rules.Bound{Date: d}
		}
	}
	if a.tok.Type == tokTime {
		if t, err := time.Parse(time.RFC3339, a.tok.Value); err == nil {
			return rules.Bound{Instant: t}
		}
	}
	w.lw.errorf(a, "invalid-date", "%s is not a date: want a day such as 2026-11-20 or a time such as 2026-11-27T06:00:00-05:00", quoteShort(a.tok.Value))
	w.unreadable(a)
	return rules.Bound{}
}

// instant reads an RFC 3339 time.
func (w *line) instant(a *arg, s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		w.lw.errorf(a, "invalid-date", "%s %s is not a time: want one such as 2026-09-28T06:12:44Z", w.name, quoteShort(s))
		w.unreadable(a)
		return time.Time{}, false
	}
	return t, true
}

// unquoteString reads a quoted string of a .rules file: Go's escapes, in
// double or single quotes.
func unquoteString(s string) (string, error) {
	if len(s) < 2 {
		return "", strconv.ErrSyntax
	}
	q := s[0]
	body := s[1 : len(s)-1]
	var b strings.Builder
	for body != "" {
		r, _, tail, err := strconv.UnquoteChar(body, q)
		if err != nil {
			return "", err
		}
		b.WriteRune(r)
		body = tail
	}
	return b.String(), nil
}

// splitGenerated takes the word generated (rules.GeneratedCode) out of a
// rule's codes: it names the generated pool.
func splitGenerated(codes []string) ([]string, bool) {
	var out []string
	gen := false
	for _, c := range codes {
		if c == rules.GeneratedCode {
			gen = true
			continue
		}
		out = append(out, c)
	}
	return out, gen
}

// budget reads "budget AMOUNT", "budget N redemptions" or "budget AMOUNT
// and N redemptions".
func (w *line) budget(b *rules.Budget, f map[string]diag.Pos) {
	start := w.i
	n, ok := w.number("budget.amount", f, "an amount or a number of redemptions: "+budgetUsage)
	if !ok {
		return
	}
	if w.is("redemptions") {
		f["budget.redemptions"] = f["budget.amount"]
		delete(f, "budget.amount")
		b.Redemptions = w.redemptions(n, start)
		return
	}
	b.Amount = n
	if w.peek() == nil {
		return
	}
	if !w.is("and") {
		w.unexpected(budgetUsage, "redemptions", "and")
		return
	}
	start = w.i
	n, ok = w.number("budget.redemptions", f, "a number of redemptions: "+budgetUsage)
	if ok && w.expect(budgetUsage, "redemptions") {
		b.Redemptions = w.redemptions(n, start)
	}
}

// redemptions checks that a budget's number of redemptions, read from
// argument i, is whole.
func (w *line) redemptions(n money.Decimal, i int) int {
	v, ok := n.Scaled(0)
	if !ok || !n.IsInteger() || v > 1<<31 {
		w.lw.errorf(w.st.Args[i], "invalid-number", "budget redemptions %s is not a whole number: want digits such as 100", n)
		return 0
	}
	return int(v)
}
