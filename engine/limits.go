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
	switch b := r.Budget; {
	case r.UsesPerCoupon > 0 && code != "" && u.CouponUses >= r.UsesPerCoupon:
		return statusLimit, fmt.Sprintf("coupon %s used %d of %d times", shown, u.CouponUses, r.UsesPerCoupon)
	case r.UsesPerCustomer > 0 && ev.cart.Customer.ID != "" && u.CustomerUses >= r.UsesPerCustomer:
		return statusLimit, fmt.Sprintf("customer %s used the rule %d of %d times", ev.cart.Customer.ID, u.CustomerUses, r.UsesPerCustomer)
	case b.Redemptions > 0 && u.Redemptions >= b.Redemptions:
		return statusLimit, fmt.Sprintf("budget of %d redemptions spent", b.Redemptions)
	case b.Amount.Sign() > 0 && u.Discount.Cmp(b.Amount) >= 0:
		return statusLimit, fmt.Sprintf("budget %s %s spent", grouped(ev.cur.Format(b.Amount)), ev.cur.Code)
	}
	return "", ""
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
