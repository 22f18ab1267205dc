package engine

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// GuardrailResult says that the project's cap on the total discount bound
// this cart, and what it took back.
type GuardrailResult struct {
	// Cap is the most the cart could get off, in its currency: the lower
	// of MaxPercent of the subtotal (rounded down to the minor unit) and
	// MaxAmount.
	Cap string `json:"cap"`
	// MaxPercent and MaxAmount are the cap's settings; empty when unset.
	MaxPercent string `json:"max_discount_percent,omitempty"`
	MaxAmount  string `json:"max_discount_amount,omitempty"`
	// Binding is the setting that gave Cap: max_discount_percent or
	// max_discount_amount.
	Binding string `json:"binding"`
	// Trimmed is what the rules would have taken off beyond Cap and did
	// not.
	Trimmed string `json:"trimmed"`
	// Rules are the ids of the rules whose discounts were cut, the last
	// applied first.
	Rules []string `json:"rules"`
	// ShippingTrimmed is what was taken back from the shipping discount,
	// waived shipping included; empty when the lines gave back enough.
	ShippingTrimmed string `json:"shipping_trimmed,omitempty"`
	// FreeShippingRevoked is the id of the rule whose free shipping was
	// taken back, in part or whole: the cart no longer ships free
	// (free_shipping is false, no line is marked free) and pays the
	// shipping the discount no longer covers. Empty when none was.
	FreeShippingRevoked string `json:"free_shipping_revoked,omitempty"`
}

// guard enforces the guardrail on the arithmetic's output before the
// result is written: when the total discount (lines and shipping, waived
// shipping included) is above the cap, the rules applied last give back
// first (reverse application order, which is reverse priority), each down
// to zero before the one before it is cut, in whole minor units: a rule's
// line discounts first, then its shipping discount. The lines give back
// what their rules did, from the last line the cut rules applied to back
// to the first. A cart the cap does not bind is left exactly as it was.
//
// Free shipping of the whole shipment, with a shipping amount, is an
// amount: the shipping the rule that made the shipment free waived (the
// part no shipping discount before it took off). It is given back in that
// rule's turn. While that rule still waives shipping, the shipping
// discounts of the rules applied after it cost nothing more (the shipment
// would ship free without them), so in their turn they pass to the waiver
// rather than shrink the total. Once any shipping is taken back, the cart
// no longer ships free: free_shipping is false and no line is marked
// free, so that no carrier waives what the cap took back. Free shipping
// without a shipping amount, and lines marked free while others are not,
// are marks for the carrier, not amounts: the guardrail leaves them.
func (ev *evaluation) guard(in *input, out *calcResult) {
	g := ev.p.set.Config.Guardrails.For(orDefault(ev.cart.Website, DefaultWebsite), orDefault(ev.cart.Customer.Group, DefaultGroup))
	if g.IsZero() {
		return
	}
	cur := ev.cur
	capAmt, binding, ok := capOf(g, in.subtotal, cur)
	if !ok {
		return
	}
	total := out.shippingDiscount
	for _, d := range out.itemDiscount {
		total = total.Add(d)
	}
	excess := total.Sub(capAmt)
	if excess.Sign() <= 0 {
		return
	}
	gr := &GuardrailResult{Cap: cur.Format(capAmt), Binding: binding, Trimmed: cur.Format(excess), Rules: []string{}}
	if g.MaxPercent != nil {
		gr.MaxPercent = g.MaxPercent.String()
	}
	if g.MaxAmount != nil {
		gr.MaxAmount = cur.Format(*g.MaxAmount)
	}
	ev.res.Guardrail = gr
	// by is the rule whose waiver makes the shipment free, or -1.
	by := -1
	if out.freeShipping && in.shipping.Sign() > 0 {
		by = out.freeShippingBy
	}
	// The rules give back first, the last applied first; then the lines
	// give back what their rules gave back.
	cutRules := map[int]bool{}
	var fromLines, fromShipping money.Decimal
	for k := len(in.rules) - 1; k >= 0 && excess.Sign() > 0; k-- {
		cut := money.Min(excess, out.ruleItems[k])
		out.ruleItems[k] = out.ruleItems[k].Sub(cut)
		fromLines, excess = fromLines.Add(cut), excess.Sub(cut)
		var ship money.Decimal
		switch {
		case by >= 0 && k > by && excess.Sign() > 0:
			// Covered by the waiver: it passes to the rule that waives.
			ship = out.ruleShipping[k]
			out.ruleShipping[by] = out.ruleShipping[by].Add(ship)
			out.ruleShipping[k] = money.Zero
		case by < 0 || k <= by:
			ship = money.Min(excess, out.ruleShipping[k])
			out.ruleShipping[k] = out.ruleShipping[k].Sub(ship)
			out.shippingDiscount, excess = out.shippingDiscount.Sub(ship), excess.Sub(ship)
			fromShipping = fromShipping.Add(ship)
		}
		if cut.Sign() > 0 || ship.Sign() > 0 {
			cutRules[k] = true
			gr.Rules = append(gr.Rules, in.rules[k].id)
		}
	}
	if fromShipping.Sign() > 0 {
		gr.ShippingTrimmed = cur.Format(fromShipping)
	}
	if by >= 0 && out.shippingDiscount.Cmp(in.shipping) < 0 {
		gr.FreeShippingRevoked = in.rules[by].id
		out.freeShipping, out.freeShippingBy = false, -1
		for j := range out.itemFreeQty {
			out.itemFreeQty[j] = money.Zero
		}
	}
	out.linesGiveBack(in, cutRules, fromLines)
}

// takeBack cuts up to amt from calc rule k's discount, in whole minor
// units when amt is: its line discounts first, then its shipping
// discount. It returns what it took off the lines (which the lines must
// then give back, linesGiveBack) and off the shipping. The guardrail and
// the amount budgets (limits.go) trim rules with it.
func (out *calcResult) takeBack(k int, amt money.Decimal) (lines, ship money.Decimal) {
	lines = money.Min(amt, out.ruleItems[k])
	out.ruleItems[k] = out.ruleItems[k].Sub(lines)
	ship = money.Min(amt.Sub(lines), out.ruleShipping[k])
	out.ruleShipping[k] = out.ruleShipping[k].Sub(ship)
	out.shippingDiscount = out.shippingDiscount.Sub(ship)
	return lines, ship
}

// linesGiveBack takes amt off the line discounts after takeBack cut the
// rules in cut: the lines a cut rule applied to give back first, from the
// last line of the cart to the first, then any others. Σ lines = Σ rules
// holds before and after, so the lines always have enough to give back.
func (out *calcResult) linesGiveBack(in *input, cut map[int]bool, amt money.Decimal) {
	for _, touched := range []bool{true, false} {
		for j := len(in.items) - 1; j >= 0 && amt.Sign() > 0; j-- {
			if touchedBy(out.itemRules[j], cut) != touched {
				continue
			}
			c := money.Min(amt, out.itemDiscount[j])
			out.itemDiscount[j] = out.itemDiscount[j].Sub(c)
			amt = amt.Sub(c)
		}
	}
}

// capOf is the cap on a cart of subtotal: the lower of the percent of the
// subtotal, rounded down to the minor unit, and the amount, rounded down
// to it too. binding names the setting that gave it.
func capOf(g rules.Guardrail, subtotal money.Decimal, cur money.Currency) (money.Decimal, string, bool) {
	var c money.Decimal
	binding, set := "", false
	if g.MaxPercent != nil {
		c, binding, set = floorTo(subtotal.Mul(g.MaxPercent.Mul(hundredth)), cur.Digits), "max_discount_percent", true
	}
	if g.MaxAmount != nil {
		a := floorTo(*g.MaxAmount, cur.Digits)
		if !set || a.Cmp(c) < 0 {
			c, binding, set = a, "max_discount_amount", true
		}
	}
	return c, binding, set
}

// floorTo rounds d down to places decimal places.
func floorTo(d money.Decimal, places int32) money.Decimal {
	scale := money.New(1, places)
	return d.Mul(scale).Floor().Mul(money.New(1, -places))
}

func touchedBy(ks []int, cut map[int]bool) bool {
	for _, k := range ks {
		if cut[k] {
			return true
		}
	}
	return false
}

// explainGuardrail notes, in the explanation of each rule the guardrail
// cut, the cap and what the rule now gives.
func (ev *evaluation) explainGuardrail() {
	gr := ev.res.Guardrail
	if gr == nil {
		return
	}
	cut := map[string]bool{}
	for _, id := range gr.Rules {
		cut[id] = true
	}
	for i := range ev.res.Explain {
		if e := &ev.res.Explain[i]; cut[e.Rule] {
			e.Guardrail = fmt.Sprintf("cut by the guardrail: the cart's discount is capped at %s (%s)", gr.Cap, gr.Binding)
			if e.Rule == gr.FreeShippingRevoked {
				e.Guardrail += fmt.Sprintf("; its free shipping is taken back: the cart pays %s of the shipping", gr.ShippingTrimmed)
			}
		}
	}
}

// lintGuardrails warns, statically, when enabled rules that can meet on
// one cart could stack past the guardrail: by_percent rules whose
// combined percent (each on what the ones before left, as they apply) is
// above max_discount_percent, or cart_fixed amounts adding up past
// max_discount_amount. Rules meet on a cart when they share a website, a
// customer group and (one code per cart) a coupon, and none before them
// stops further rules; their conditions are assumed to hold, so a warning
// says "could". The guardrail still holds at run time: the warning is for
// the author, who may mean it.
func (p *Program) lintGuardrails(l *diag.List, now time.Time) {
	g := p.set.Config.Guardrails
	if g.IsZero() && len(g.Websites) == 0 && len(g.CustomerGroups) == 0 {
		return
	}
	var live []*rule
	websites, groups, coupons := map[string]bool{DefaultWebsite: true}, map[string]bool{DefaultGroup: true}, map[string]bool{"": true}
	for _, r := range p.rules {
		if !r.Enabled || r.status(now) == RuleExpired {
			continue
		}
		live = append(live, r)
		for _, w := range r.Websites {
			websites[w] = true
		}
		for _, gr := range r.CustomerGroups {
			groups[gr] = true
		}
		if r.Action.Type == rules.ByPercent || r.Action.Type == rules.CartFixed {
			for _, c := range r.Coupons {
				coupons[c] = true
			}
		}
	}
	slices.SortStableFunc(live, func(a, b *rule) int { return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.ID, b.ID)) })
	seen := map[string]bool{}
	hundred := money.FromInt(100)
	for _, w := range slices.Sorted(maps.Keys(websites)) {
		for _, gr := range slices.Sorted(maps.Keys(groups)) {
			capOf := g.For(w, gr)
			if capOf.IsZero() {
				continue
			}
			for _, c := range slices.Sorted(maps.Keys(coupons)) {
				left, fixed := hundred, money.Zero // percent of the price left; cart_fixed sum
				var pctIDs, fixedIDs []string
				var lastPct, lastFixed *rule
				for _, r := range live {
					if !meets(r, w, gr, c) {
						continue
					}
					switch {
					case r.Action.Amount.Sign() <= 0:
					case r.Action.Type == rules.ByPercent:
						left = left.Sub(left.Mul(money.Min(r.Action.Amount, hundred)).Mul(hundredth))
						pctIDs, lastPct = append(pctIDs, r.ID), r
					case r.Action.Type == rules.CartFixed:
						fixed = fixed.Add(r.Action.Amount)
						fixedIDs, lastFixed = append(fixedIDs, r.ID), r
					}
					if r.StopFurtherRules {
						break
					}
				}
				example := fmt.Sprintf("a cart on website %q, group %q", w, gr)
				if c != "" {
					example += fmt.Sprintf(", coupon %q", c)
				}
				combined := hundred.Sub(left).Round(2)
				if capOf.MaxPercent != nil && len(pctIDs) > 1 && combined.Cmp(*capOf.MaxPercent) > 0 && !seen["%"+strings.Join(pctIDs, ",")] {
					seen["%"+strings.Join(pctIDs, ",")] = true
					l.Warn(lastPct.Pos, "guardrail-stacking", "rules %s could stack to %s%% off, past the guardrail's max_discount_percent %s: e.g. %s, one line at 100.00, meeting their conditions; the guardrail will cut the rules applied last",
						quoteAll(pctIDs), combined, capOf.MaxPercent, example)
				}
				if capOf.MaxAmount != nil && len(fixedIDs) > 1 && fixed.Cmp(*capOf.MaxAmount) > 0 && !seen["$"+strings.Join(fixedIDs, ",")] {
					seen["$"+strings.Join(fixedIDs, ",")] = true
					l.Warn(lastFixed.Pos, "guardrail-stacking", "rules %s could stack to %s off, past the guardrail's max_discount_amount %s: e.g. %s meeting their conditions; the guardrail will cut the rules applied last",
						quoteAll(fixedIDs), fixed, capOf.MaxAmount, example)
				}
			}
		}
	}
}

// meets reports whether r can apply to a cart of website w, group g and
// coupon c.
func meets(r *rule, w, g, c string) bool {
	return (len(r.Websites) == 0 || slices.Contains(r.Websites, w)) &&
		(len(r.CustomerGroups) == 0 || slices.Contains(r.CustomerGroups, g)) &&
		(len(r.Coupons) == 0 || slices.Contains(r.Coupons, c))
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}
