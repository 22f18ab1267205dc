package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// modelRegressions are carts on which the engine and the model once
// disagreed (minimised from random seeds), and the cases that pin the
// reference's subtle points. skip names an engine bug being fixed, or a
// question part 1 of the reference does not settle. "seed N" names the
// random case a cart was minimised from, by the generator of its day (which
// has grown since: the seed no longer draws it).
var modelRegressions = []struct {
	name string
	skip string
	// variant is the reading of the model the case holds the engine to;
	// the zero value is the model proper.
	variant modelVariant
	// pins, when set, is a bug the case must tell apart: the model with it
	// switched on must give another result.
	pins modelVariant
	modelCase
}{
	{
		// Magento's Validator::sortItemsByPriority orders the lines by every
		// candidate rule, conditions not consulted: alpha's condition is
		// false, yet its lines p3 and p4 go first. That decides where the
		// 15% rounding carry of bravo travels: p1 6.44, p2 35.10.
		name: "item order from candidate rules (Validator::sortItemsByPriority)",
		pins: modelVariant{orderFromPassed: true},
		modelCase: modelCase{
			set: modelSet("USD", "",
				rules.CartRule{ID: "alpha", Enabled: true, When: rules.Expr{Text: "cart.subtotal > 100000"},
					Action: rules.Action{Type: "by_percent", Amount: dec("10"), Items: rules.Expr{Text: `item.sku in ["p3", "p4"]`}}},
				rules.CartRule{ID: "promo-a", Enabled: true, Priority: 1,
					Action: rules.Action{Type: "by_fixed", Amount: dec("2.01"), Items: rules.Expr{Text: `item.sku == "p3"`}}},
				rules.CartRule{ID: "bravo", Enabled: true, Priority: 2,
					Action: rules.Action{Type: "by_percent", Amount: dec("15"), MaxQty: dec("5")}},
			),
			cart: &engine.Cart{Website: "base", Items: []engine.Item{
				{SKU: "p1", Qty: dec("5"), Price: dec("8.59")},
				{SKU: "p2", Qty: dec("5"), Price: dec("46.79")},
				{SKU: "p3", Qty: dec("2"), Price: dec("95.72")},
				{SKU: "p4", Qty: dec("1"), Price: dec("101.05")},
			}},
		},
	},
	{
		// Magento's ByFixedTest::testCalculate: a by_fixed increment is
		// bounded by what is left of the whole line, not of the max_qty
		// units: 2 off each of 5 units of a 7 × 1.00 line takes 7.00.
		name: "by_fixed bounded by the whole line (seed 17)",
		pins: modelVariant{byFixedUnitsCap: true},
		modelCase: modelCase{
			set: modelSet("USD", "",
				rules.CartRule{ID: "charlie", Enabled: true,
					Action: rules.Action{Type: "by_fixed", Amount: dec("2"), MaxQty: dec("5")}},
			),
			cart: &engine.Cart{Website: "base", Items: []engine.Item{{SKU: "p5", Qty: dec("7"), Price: dec("1")}}},
		},
	},
	{
		// The same after a 99.99% rule, in KWD: by_fixed takes the last
		// 0.072 of the line although its two max_qty units are long gone.
		name: "by_fixed after a percent rule, max_qty below the line (seed 82)",
		pins: modelVariant{byFixedUnitsCap: true},
		modelCase: modelCase{
			set: modelSet("USD", "Asia/Tokyo",
				rules.CartRule{ID: "delta", Enabled: true,
					Action: rules.Action{Type: "by_fixed", Amount: dec("1"), MaxQty: dec("2.25")}},
				rules.CartRule{ID: "charlie", Enabled: true,
					Action: rules.Action{Type: "by_percent", Amount: dec("99.99")}},
			),
			cart: &engine.Cart{Website: "kw", Shipping: engine.Shipping{Method: "tablerate_bestway", Amount: dec("5")},
				Items: []engine.Item{{SKU: "p4", Qty: dec("8"), Price: dec("90")}}},
		},
	},
	{
		// Free units are valued at price − discount so far / qty, exactly:
		// 3 × (7.36 − 33.37 / 6) is 5.395, which rounds to 5.40; dividing
		// first loses the last digit and gives 5.39.
		name: "buy_x_get_y effective price without a division digit lost (seed 25)",
		modelCase: modelCase{
			set: modelSet("USD", "Asia/Tokyo",
				rules.CartRule{ID: "alpha", Enabled: true, Priority: 1,
					Action: rules.Action{Type: "buy_x_get_y", Amount: dec("3"), Step: dec("3")}},
				rules.CartRule{ID: "foxtrot", Enabled: true,
					Action: rules.Action{Type: "cart_fixed", Amount: dec("417.6")}},
			),
			cart: &engine.Cart{Website: "base", Items: []engine.Item{
				{SKU: "p5", Qty: dec("6"), Price: dec("7.36")},
				{SKU: "p4", Qty: dec("6"), Price: dec("84.74")},
			}},
		},
	},
	{
		// The percent-keyed carry skips a line whose row total is 0: the
		// row total is rounded (0.48 × 0.01 is 0.00), as Magento keeps it,
		// so the carry of line 1 travels on to line 3 untouched.
		name: "percent carry skips a line whose rounded row is zero (seed 5779)",
		modelCase: modelCase{
			set: modelSet("USD", "",
				rules.CartRule{ID: "delta", Enabled: true, Action: rules.Action{Type: "by_percent", Amount: dec("33.3")}},
			),
			cart: &engine.Cart{Website: "base", Items: []engine.Item{
				{SKU: "p1", Qty: dec("5"), Price: dec("69.95")},
				{SKU: "p4", Qty: dec("0.48"), Price: dec("0.01")},
				{SKU: "p1", Qty: dec("6"), Price: dec("36.6")},
			}},
		},
	},
	{
		// Part 1 caps a line's discount at "price × item qty". On a
		// fractional line that is not a whole minor unit (4.5 × ¥1 is
		// ¥4.5): the engine caps at the row total it reports (¥5, so the
		// discount is ¥5 and the grand total ¥5); capping at exactly 4.5
		// leaves a half yen to pay (grand total ¥5.5, shown as ¥6).
		name:    "cap on a fractional line: exact price × qty or the rounded row (seed 248)",
		skip:    "unsettled by part 1: is the cap price × qty exactly or the rounded row total? the model follows the engine (rounded row)",
		variant: modelVariant{exactRowCap: true},
		modelCase: modelCase{
			set: modelSet("USD", "Asia/Tokyo",
				rules.CartRule{ID: "bravo", Enabled: true, Action: rules.Action{Type: "by_percent", Amount: dec("100")}},
			),
			cart: &engine.Cart{Website: "JP", Shipping: engine.Shipping{Method: "flatrate_flatrate", Amount: dec("5")},
				Items: []engine.Item{{SKU: "p5", Qty: dec("4.5"), Price: dec("1")}}},
		},
	},
	{
		// A rule whose discount skips every line (step 2 > qty 1) but
		// whose action grants free shipping for the shipment: the engine
		// lists it in applied_rules; Magento's free-shipping pass records
		// no rule id, and part 1's "processed for at least one item or the
		// shipping" does not say whether granting free shipping counts.
		name:    "rule that only grants free shipping: applied or not (seed 1258)",
		skip:    "unsettled by part 1: does granting free shipping alone make a rule applied? the model follows the engine (yes)",
		variant: modelVariant{freeShippingNotApplied: true},
		modelCase: modelCase{
			set: modelSet("USD", "",
				rules.CartRule{ID: "hotel", Enabled: true,
					Action: rules.Action{Type: "by_fixed", Amount: dec("2"), Step: dec("2"), FreeShipping: "shipment"}},
			),
			cart: &engine.Cart{Website: "base", Items: []engine.Item{{SKU: "p4", Qty: dec("1"), Price: dec("6")}}},
		},
	},
}

func TestModelRegressions(t *testing.T) {
	for _, tt := range modelRegressions {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			c := tt.modelCase.clone()
			if c.cart.Currency.Code == "" {
				c.cart.Currency = currencyOf(c.set, c.cart.Website)
			}
			c.cart.Now = modelNow
			if tt.pins != (modelVariant{}) {
				right, err := evaluateModel(c.set, c.cart, modelNow, tt.variant)
				if err != nil {
					t.Fatal(err)
				}
				wrong, err := evaluateModel(c.set, c.cart, modelNow, tt.pins)
				if err != nil {
					t.Fatal(err)
				}
				if modelOutcome(right) == modelOutcome(wrong) {
					t.Errorf("the case does not tell %+v apart: both give %s", tt.pins, modelOutcome(right))
				}
			}
			d, _, err := checkCase(c, tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			if len(d) > 0 {
				t.Errorf("engine and model disagree:\n  %s", strings.Join(d, "\n  "))
			}
		})
	}
}

// modelSet is a rule set in the generator's shape: its audiences and
// websites, every rule named after its id.
func modelSet(currency, timezone string, rs ...rules.CartRule) *rules.Set {
	for i := range rs {
		rs[i].Name = rs[i].ID
		if rs[i].Action.FreeShipping == "" {
			rs[i].Action.FreeShipping = rules.NoFreeShipping
		}
	}
	return &rules.Set{
		Config:    rules.Config{Currency: currency, Timezone: timezone, WebsiteCurrencies: modelWebsites},
		Audiences: modelAudiences,
		CartRules: rs,
	}
}

func dec(s string) money.Decimal { return money.MustParse(s) }

// bound reads a day (2026-11-27) or an RFC 3339 instant.
func bound(s string) rules.Bound {
	if d, err := rules.ParseDate(s); err == nil {
		return rules.Bound{Date: d}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return rules.Bound{Instant: t}
}

// modelOutcome writes what a cart gets, for comparing two model results.
func modelOutcome(m *modelResult) string {
	var b strings.Builder
	f := m.currency.Format
	fmt.Fprintf(&b, "applied %v;", m.applied)
	for i, it := range m.items {
		fmt.Fprintf(&b, " line %d %s %v;", i, f(it.discount), it.applied)
	}
	fmt.Fprintf(&b, " shipping discount %s, free shipping %v", f(m.shippingDiscount), m.freeShipping)
	return b.String()
}
