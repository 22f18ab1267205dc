package engine

import (
	"fmt"

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
}

// guard enforces the guardrail on the arithmetic's output before the
// result is written: when the total discount (lines and shipping) is above
// the cap, the rules applied last give back first (reverse application
// order, which is reverse priority), each down to zero before the one
// before it is cut, in whole minor units: a rule's line discounts first,
// then its shipping discount. The lines give back what their rules did,
// from the last line the cut rules applied to back to the first. A cart the cap does not bind is left exactly as it was. Free
// shipping granted as a flag is not an amount and is not cut.
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
	// The rules give back first, the last applied first; then the lines
	// give back what their rules gave back.
	cutRules := map[int]bool{}
	var fromLines money.Decimal
	for k := len(in.rules) - 1; k >= 0 && excess.Sign() > 0; k-- {
		cut := money.Min(excess, out.ruleItems[k])
		out.ruleItems[k] = out.ruleItems[k].Sub(cut)
		fromLines, excess = fromLines.Add(cut), excess.Sub(cut)
		ship := money.Min(excess, out.ruleShipping[k])
		out.ruleShipping[k] = out.ruleShipping[k].Sub(ship)
		out.shippingDiscount, excess = out.shippingDiscount.Sub(ship), excess.Sub(ship)
		if cut.Sign() > 0 || ship.Sign() > 0 {
			cutRules[k] = true
			gr.Rules = append(gr.Rules, in.rules[k].id)
		}
	}
	// The lines a cut rule applied to give back first, from the last line
	// of the cart to the first, then any others: Σ lines = Σ rules holds
	// before and after, so the lines always have enough to give back.
	for _, touched := range []bool{true, false} {
		for j := len(in.items) - 1; j >= 0 && fromLines.Sign() > 0; j-- {
			if touchedBy(out.itemRules[j], cutRules) != touched {
				continue
			}
			cut := money.Min(fromLines, out.itemDiscount[j])
			out.itemDiscount[j] = out.itemDiscount[j].Sub(cut)
			fromLines = fromLines.Sub(cut)
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
		}
	}
}
