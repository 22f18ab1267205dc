package engine

import (
	"fmt"
	"strings"

	"github.com/ruled/ruled/money"
)

// Limits is the usage view evaluation consults for the rules with usage
// limits, budgets or generated codes (rules.CartRule.Limited). The usage
// store implements it, for one request; the engine only reads it. Without
// it (Options.Limits nil) limits are not checked and generated codes are
// not known, so rules of generated codes alone never apply.
type Limits interface {
	// Usage returns what placed orders used of rule: with the folded code
	// and by the customer ("" for a guest).
	Usage(rule, code, customer string) (Usage, error)
	// InPool reports whether the folded code is one of rule's generated
	// codes.
	InPool(rule, code string) (bool, error)
}

// Usage is what placed orders used of a rule.
type Usage struct {
	CouponUses   int
	CustomerUses int
	Redemptions  int
	Discount     money.Decimal
}

// statusLimit is the status of a rule left out by a usage limit or budget.
const statusLimit = "limit"

// gate applies, with Limits, the coupon filter (accepting the rule's
// generated codes) and the rule's limits; it says why the rule is left
// out, "" when it is not. A usage store that cannot answer leaves the rule
// out (fail closed): a limit is never overrun for want of a count.
func (ev *evaluation) gate(r *rule) (status, reason string) {
	code := ev.env.Coupon
	if r.coupons != nil && !r.coupons[code] {
		in := false
		if r.GeneratedCoupons && code != "" {
			ok, err := ev.limits.InPool(r.ID, code)
			if err != nil {
				return statusLimit, "usage store unavailable: " + err.Error()
			}
			in = ok
		}
		switch {
		case in:
		case code == "":
			return statusCoupon, "needs a coupon code; the cart has none"
		default:
			return statusCoupon, fmt.Sprintf("needs another coupon code; the cart has %q", ev.cart.CouponCode)
		}
	}
	if !r.Limited() {
		return "", ""
	}
	u, err := ev.limits.Usage(r.ID, code, ev.cart.Customer.ID)
	if err != nil {
		return statusLimit, "usage store unavailable: " + err.Error()
	}
	shown := strings.TrimSpace(ev.cart.CouponCode)
	b := r.Budget
	switch {
	case r.UsesPerCoupon > 0 && code != "" && u.CouponUses >= r.UsesPerCoupon:
		return statusLimit, fmt.Sprintf("coupon %s used %d of %d times", shown, u.CouponUses, r.UsesPerCoupon)
	case r.UsesPerCustomer > 0 && ev.cart.Customer.ID != "" && u.CustomerUses >= r.UsesPerCustomer:
		return statusLimit, fmt.Sprintf("customer %s used the rule %d of %d times", ev.cart.Customer.ID, u.CustomerUses, r.UsesPerCustomer)
	case b.Redemptions > 0 && u.Redemptions >= b.Redemptions:
		return statusLimit, fmt.Sprintf("budget of %d redemptions spent", b.Redemptions)
	}
	if b.Amount.Sign() > 0 {
		// What is left, to the minor unit: the most this cart may get
		// from the rule (clampBudgets).
		left := floorTo(b.Amount.Sub(u.Discount), ev.cur.Digits)
		if left.Sign() <= 0 {
			return statusLimit, fmt.Sprintf("budget %s %s spent", grouped(ev.cur.Format(b.Amount)), ev.cur.Code)
		}
		if ev.budgetLeft == nil {
			ev.budgetLeft = map[*rule]money.Decimal{}
		}
		ev.budgetLeft[r] = left
	}
	return "", ""
}

// BudgetClamp says that less was left of a rule's amount budget than the
// rule would have given this cart: a budget never goes negative, so the
// cart got what was left (the last redemption).
type BudgetClamp struct {
	// Budget is the rule's budget.amount.
	Budget string `json:"budget"`
	// Asked is what the rule would have given without its budget.
	Asked string `json:"asked"`
	// Given is what was left of the budget, and given instead. The
	// rule's discount is Given unless the guardrail cut it further.
	Given string `json:"given"`
}

// clampBudgets trims the discount of each applied rule with an amount
// budget to what is left of it (recorded by gate, in whole minor units),
// as the guardrail trims (takeBack, linesGiveBack): its line discounts
// first, then its shipping discount, the lines it applied to giving back
// from the last to the first. It runs before the guardrail, so a budget
// is charged what the rule gave before any cap on the cart.
func (ev *evaluation) clampBudgets(in *input, out *calcResult) {
	if len(ev.budgetLeft) == 0 {
		return
	}
	for k := range in.rules {
		r := ev.p.rules[in.ruleIndex[k]]
		left, ok := ev.budgetLeft[r]
		if !ok {
			continue
		}
		asked := out.ruleItems[k].Add(out.ruleShipping[k])
		excess := asked.Sub(left)
		if excess.Sign() <= 0 {
			continue
		}
		lines, _ := out.takeBack(k, excess)
		out.linesGiveBack(in, map[int]bool{k: true}, lines)
		if ev.clamped == nil {
			ev.clamped = map[string]*BudgetClamp{}
		}
		ev.clamped[r.ID] = &BudgetClamp{Budget: ev.cur.Format(r.Budget.Amount), Asked: ev.cur.Format(asked), Given: ev.cur.Format(left)}
	}
}

// reportBudgets marks, in the result (and its explanation), the rules
// whose budget clamped their discount.
func (ev *evaluation) reportBudgets() {
	if len(ev.clamped) == 0 {
		return
	}
	for i := range ev.res.AppliedRules {
		a := &ev.res.AppliedRules[i]
		a.BudgetClamped = ev.clamped[a.ID]
	}
	for i := range ev.res.Explain {
		e := &ev.res.Explain[i]
		if c := ev.clamped[e.Rule]; c != nil {
			e.Budget = fmt.Sprintf("clamped by its budget: %s of the %s it would give, what was left of %s %s", c.Given, c.Asked, grouped(c.Budget), ev.cur.Code)
		}
	}
}

// grouped writes thousands separators into a formatted amount: 5,000.00.
func grouped(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if dot {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
