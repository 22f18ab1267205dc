package main

// Checking a case's expect block against its result, and saying why an
// expected rule or block did not come out.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/money"
)

func (t *tester) checkExpect(r *caseRun) {
	x, res := &r.tc.Expect, r.res
	fail := func(format string, args ...any) { r.failures = append(r.failures, fmt.Sprintf(format, args...)) }
	applied := map[string]string{} // id -> discount
	var got []string
	for _, a := range res.AppliedRules {
		applied[a.ID] = a.Discount
		got = append(got, a.ID)
	}
	if x.HasAppliedRules {
		var want []string
		for _, ref := range x.AppliedRules {
			want = append(want, ref.ID)
		}
		if strings.Join(want, "\x00") != strings.Join(got, "\x00") {
			msg := fmt.Sprintf("applied_rules: want [%s], got [%s]", strings.Join(want, ", "), strings.Join(got, ", "))
			for _, id := range want {
				if _, ok := applied[id]; !ok {
					msg += "\n" + t.whyNot(r, id)
				}
			}
			fail("%s", msg)
		}
	}
	for _, ref := range x.NotApplied {
		if d, ok := applied[ref.ID]; ok {
			fail("not_applied: want %s not applied, got applied (discount %q)", ref.ID, d)
		}
	}
	for _, a := range x.Totals {
		if got := totalField(res.Totals, a.Field); !sameAmount(a.Value, got) {
			fail("totals.%s: want %q, got %q", a.Field, a.Text, got)
		}
	}
	for _, ie := range x.Items {
		if ie.Discount == nil {
			continue
		}
		if got := t.itemDiscount(res, ie.SKU); !sameAmount(ie.Discount.Value, got) {
			fail("items.%s.discount: want %q, got %q", ie.SKU, ie.Discount.Text, got)
		}
	}
	if x.FreeShipping != nil && *x.FreeShipping != res.FreeShipping {
		fail("free_shipping: want %t, got %t", *x.FreeShipping, res.FreeShipping)
	}
	for _, be := range x.Blocks {
		t.checkBlocks(r, be, fail)
	}
	if x.CouponApplied != nil {
		switch c := res.Coupon; {
		case c == nil:
			fail("coupon.applied: want %t, got no coupon (the cart has no coupon_code)", *x.CouponApplied)
		case c.Applied != *x.CouponApplied && c.Reason != "":
			fail("coupon.applied: want %t, got %t (%s)", *x.CouponApplied, c.Applied, c.Reason)
		case c.Applied != *x.CouponApplied:
			fail("coupon.applied: want %t, got %t", *x.CouponApplied, c.Applied)
		}
	}
}

// checkBlocks compares the blocks a placement showed with the ids expected,
// in order, and says why an expected block that did not show was left out
// when its status explains it.
func (t *tester) checkBlocks(r *caseRun, be loader.BlockExpect, fail func(string, ...any)) {
	var want, got []string
	for _, ref := range be.IDs {
		want = append(want, ref.ID)
	}
	for _, b := range r.res.Blocks[be.Placement] {
		got = append(got, b.ID)
	}
	if slices.Equal(want, got) {
		return
	}
	msg := fmt.Sprintf("blocks.%s: want [%s], got [%s]", be.Placement, strings.Join(want, ", "), strings.Join(got, ", "))
	status := map[string]string{}
	for _, b := range t.prog.Blocks(r.cart.Now) {
		status[b.Block.ID] = b.Status
	}
	for _, id := range want {
		if slices.Contains(got, id) {
			continue
		}
		switch st := status[id]; st {
		case engine.RuleDisabled:
			msg += fmt.Sprintf("\n    %s did not show: it is disabled", id)
		case engine.RuleScheduled, engine.RuleExpired:
			msg += fmt.Sprintf("\n    %s did not show: it is %s at %s", id, st, r.cart.Now.Format(time.RFC3339))
		}
	}
	fail("%s", msg)
}

// whyNot explains why rule id did not apply, evaluating the case again
// with explanations (only cases that fail pay for them).
func (t *tester) whyNot(r *caseRun, id string) string {
	res, err := t.prog.Evaluate(r.cart, engine.Options{Explain: true})
	if err != nil {
		return fmt.Sprintf("    %s did not apply: %v", id, err)
	}
	for _, x := range res.Explain {
		if x.Rule != id {
			continue
		}
		s := fmt.Sprintf("    %s did not apply (%s): %s", id, x.Status, x.Reason)
		for _, c := range x.Clauses {
			s += "\n        false: " + c.Text
			if len(c.Seen) > 0 {
				s += " (" + strings.Join(c.Seen, "; ") + ")"
			}
		}
		return s
	}
	return fmt.Sprintf("    %s did not apply", id)
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
func (t *tester) itemDiscount(res *engine.Result, sku string) string {
	sum := money.Zero
	for _, it := range res.Items {
		if it.SKU == sku {
			d, _ := money.Parse(it.Discount)
			sum = sum.Add(d)
		}
	}
	return t.prog.Currency().Format(sum)
}

func sameAmount(want money.Decimal, got string) bool {
	d, err := money.Parse(got)
	return err == nil && d.Equal(want)
}
