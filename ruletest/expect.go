package ruletest

// Checking a case's expect block against its result, each broken
// expectation at its position, and saying why an expected rule or block
// did not come out.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/money"
)

// The codes of failures. They are stable: tools key on them.
const (
	CodeRuleNotApplied       = "rule-not-applied"       // a rule in expect.applied_rules did not apply
	CodeUnexpectedRule       = "unexpected-rule"        // a rule applied that expect.applied_rules does not list
	CodeRuleOrder            = "rule-order"             // the rules of expect.applied_rules applied in another order
	CodeRuleApplied          = "rule-applied"           // a rule in expect.not_applied applied
	CodeTotalMismatch        = "total-mismatch"         // expect.totals.<field>
	CodeItemDiscountMismatch = "item-discount-mismatch" // expect.items.<sku>.discount
	CodeFreeShippingMismatch = "free-shipping-mismatch" // expect.free_shipping
	CodeCouponMismatch       = "coupon-mismatch"        // expect.coupon.applied
	CodeBlockMismatch        = "block-mismatch"         // expect.blocks.<placement>
	CodeGoldenMismatch       = "golden-mismatch"        // the result differs from the golden file's
	CodeGoldenMissing        = "golden-missing"         // the golden file, or its entry for the case, does not exist
)

func (r *Report) fail(c *CaseResult, pos diag.Pos, code string, notes []string, format string, args ...any) {
	c.Failures = append(c.Failures, Failure{
		Diagnostic: diag.Diagnostic{Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)},
		Notes:      notes,
	})
}

func (r *Report) checkExpect(c *CaseResult) {
	x, res := &c.tc.Expect, c.Result
	applied := map[string]string{} // id -> discount
	var got []string
	for _, a := range res.AppliedRules {
		applied[a.ID] = a.Discount
		got = append(got, a.ID)
	}
	if x.HasAppliedRules {
		r.checkApplied(c, x.AppliedRules, got)
	}
	for _, ref := range x.NotApplied {
		if d, ok := applied[ref.ID]; ok {
			r.fail(c, ref.Pos, CodeRuleApplied, nil, "not_applied: want %s not applied, got applied (discount %s)", ref.ID, d)
		}
	}
	for _, a := range x.Totals {
		if got := totalField(res.Totals, a.Field); !sameAmount(a.Value, got) {
			r.fail(c, a.Pos, CodeTotalMismatch, nil, "totals.%s: want %s, got %s", a.Field, a.Text, got)
		}
	}
	for _, ie := range x.Items {
		if ie.Discount == nil {
			continue
		}
		if got := r.itemDiscount(res, ie.SKU); !sameAmount(ie.Discount.Value, got) {
			r.fail(c, ie.Discount.Pos, CodeItemDiscountMismatch, nil, "items.%s.discount: want %s, got %s", ie.SKU, ie.Discount.Text, got)
		}
	}
	if x.FreeShipping != nil && *x.FreeShipping != res.FreeShipping {
		r.fail(c, c.tc.Fields["expect.free_shipping"], CodeFreeShippingMismatch, nil, "free_shipping: want %t, got %t", *x.FreeShipping, res.FreeShipping)
	}
	for _, be := range x.Blocks {
		r.checkBlocks(c, be)
	}
	if x.CouponApplied != nil {
		pos := c.tc.Fields["expect.coupon"]
		switch cr := res.Coupon; {
		case cr == nil:
			r.fail(c, pos, CodeCouponMismatch, nil, "coupon.applied: want %t, got no coupon (the cart has no coupon_code)", *x.CouponApplied)
		case cr.Applied != *x.CouponApplied && cr.Reason != "":
			r.fail(c, pos, CodeCouponMismatch, nil, "coupon.applied: want %t, got %t (%s)", *x.CouponApplied, cr.Applied, cr.Reason)
		case cr.Applied != *x.CouponApplied:
			r.fail(c, pos, CodeCouponMismatch, nil, "coupon.applied: want %t, got %t", *x.CouponApplied, cr.Applied)
		}
	}
}

// checkApplied compares the rules that applied with expect.applied_rules:
// exactly these, in this order. The failure points at the first expected
// rule that did not apply, with the explanation of why for each one that
// did not; else at the list.
func (r *Report) checkApplied(c *CaseResult, want []loader.Ref, got []string) {
	var ids []string
	for _, ref := range want {
		ids = append(ids, ref.ID)
	}
	if slices.Equal(ids, got) {
		return
	}
	pos, code := c.tc.Fields["expect.applied_rules"], CodeRuleOrder
	var notes []string
	for _, ref := range want {
		if slices.Contains(got, ref.ID) {
			continue
		}
		if code != CodeRuleNotApplied {
			pos, code = ref.Pos, CodeRuleNotApplied
		}
		notes = append(notes, r.whyNot(c, ref.ID)...)
	}
	if code != CodeRuleNotApplied {
		for _, id := range got {
			if !slices.Contains(ids, id) {
				code = CodeUnexpectedRule
			}
		}
	}
	r.fail(c, pos, code, notes, "applied_rules: want [%s], got [%s]", strings.Join(ids, ", "), strings.Join(got, ", "))
}

// checkBlocks compares the blocks a placement showed with the ids
// expected, in order, and says why an expected block that did not show was
// left out when its status explains it. The failure points at the first
// expected block that did not show, else at the placement.
func (r *Report) checkBlocks(c *CaseResult, be loader.BlockExpect) {
	var want, got []string
	for _, ref := range be.IDs {
		want = append(want, ref.ID)
	}
	for _, b := range c.Result.Blocks[be.Placement] {
		got = append(got, b.ID)
	}
	if slices.Equal(want, got) {
		return
	}
	status := map[string]string{}
	for _, b := range r.prog.Blocks(c.cart.Now) {
		status[b.Block.ID] = b.Status
	}
	pos, missing := be.Pos, false
	var notes []string
	for _, ref := range be.IDs {
		if slices.Contains(got, ref.ID) {
			continue
		}
		if !missing {
			pos, missing = ref.Pos, true
		}
		switch st := status[ref.ID]; st {
		case engine.RuleDisabled:
			notes = append(notes, fmt.Sprintf("%s did not show: it is disabled", ref.ID))
		case engine.RuleScheduled, engine.RuleExpired:
			notes = append(notes, fmt.Sprintf("%s did not show: it is %s at %s", ref.ID, st, c.cart.Now.Format(time.RFC3339)))
		}
	}
	r.fail(c, pos, CodeBlockMismatch, notes, "blocks.%s: want [%s], got [%s]", be.Placement, strings.Join(want, ", "), strings.Join(got, ", "))
}

// whyNot explains why rule id did not apply, evaluating the case again
// with explanations (only cases that fail pay for them): the explain line
// and the false clauses of its condition, with the values they saw.
func (r *Report) whyNot(c *CaseResult, id string) []string {
	if c.explain == nil {
		opt := options(c.tc)
		opt.Explain = true
		res, err := r.prog.Evaluate(c.cart, opt)
		if err != nil {
			return []string{fmt.Sprintf("%s did not apply: %v", id, err)}
		}
		c.explain = res
	}
	for _, x := range c.explain.Explain {
		if x.Rule != id {
			continue
		}
		out := []string{fmt.Sprintf("%s did not apply (%s): %s", id, x.Status, x.Reason)}
		for _, cl := range x.Clauses {
			s := "    false: " + cl.Text
			if len(cl.Seen) > 0 {
				s += " (" + strings.Join(cl.Seen, "; ") + ")"
			}
			out = append(out, s)
		}
		return out
	}
	return []string{id + " did not apply"}
}

func totalField(t engine.Totals, field string) string {
	switch field {
	case "subtotal":
		return t.Subtotal
	case "discount":
		return t.Discount
	case "shipping":
		return t.Shipping
	case "shipping_discount":
		return t.ShippingDiscount
	case "grand_total":
		return t.GrandTotal
	}
	return ""
}

// itemDiscount sums the discounts of the lines with sku.
func (r *Report) itemDiscount(res *engine.Result, sku string) string {
	sum := money.Zero
	for _, it := range res.Items {
		if it.SKU == sku {
			d, _ := money.Parse(it.Discount)
			sum = sum.Add(d)
		}
	}
	return r.prog.Currency().Format(sum)
}

func sameAmount(want money.Decimal, got string) bool {
	d, err := money.Parse(got)
	return err == nil && d.Equal(want)
}
