package engine

import (
	"testing"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// TestItemOrderFromCandidates pins Magento's Validator::sortItemsByPriority:
// the order every rule loops over the items in is built from every candidate
// rule (getRules(): enabled, website, group, coupon, date), whether or not
// its conditions hold. alpha's condition is false, yet the lines its action
// selects (p3, p4) come first, so bravo's percent carry travels p3, p4, p1,
// p2 and gives p1 6.44 and p2 35.10 (with the order of the applied rules
// alone, p1 gets 6.45 and p2 35.09).
func TestItemOrderFromCandidates(t *testing.T) {
	set := testSet(
		rules.CartRule{ID: "alpha", Priority: 0, When: expr(`cart.subtotal > 100000`),
			Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("10"), Items: expr(`item.sku in ["p3", "p4"]`)}},
		rules.CartRule{ID: "promo-a", Priority: 1,
			Action: rules.Action{Type: rules.ByFixed, Amount: money.MustParse("2.01"), Items: expr(`item.sku == "p3"`)}},
		rules.CartRule{ID: "bravo", Priority: 2,
			Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("15"), MaxQty: money.MustParse("5")}},
	)
	p := mustCompile(t, set)
	c := mustCart(t, `{"now": "2026-11-27T10:00:00-05:00", "items": [
	  {"sku": "p1", "qty": 5, "price": "8.59"}, {"sku": "p2", "qty": 5, "price": "46.79"},
	  {"sku": "p3", "qty": 2, "price": "95.72"}, {"sku": "p4", "qty": 1, "price": "101.05"}]}`)
	for _, explain := range []bool{false, true} {
		res, err := p.Evaluate(c, Options{Explain: explain})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{res.Items[0].Discount, res.Items[1].Discount}
		if got[0] != "6.44" || got[1] != "35.10" {
			t.Errorf("explain=%v: p1, p2 discounts = %v, want [6.44 35.10] (items: %+v)", explain, got, res.Items)
		}
	}
}
