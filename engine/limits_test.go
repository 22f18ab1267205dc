package engine

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// counts is a usage view held in memory: the engine's side of the
// contract the usage store implements (store tests run the real ones).
type counts struct {
	usage map[string]Usage
	pool  map[string]string // code → rule
	err   error
}

func (c counts) Usage(rule, code, customer string) (Usage, error) {
	return c.usage[rule+"/"+code+"/"+customer], c.err
}

func (c counts) InPool(rule, code string) (bool, error) { return c.pool[code] == rule, c.err }

func TestLimits(t *testing.T) {
	set := testSet(
		rules.CartRule{ID: "welcome", Coupons: []string{"WELCOME10"}, UsesPerCoupon: 100},
		rules.CartRule{ID: "budget", Budget: rules.Budget{Amount: money.MustParse("5000")}},
		rules.CartRule{ID: "once", UsesPerCustomer: 1},
		rules.CartRule{ID: "pool", GeneratedCoupons: true},
	)
	p := mustCompile(t, set)
	pool := map[string]string{"gen-abc": "pool"}
	tests := []struct {
		name     string
		code     string
		customer string
		limits   Limits
		want     []string
		reasons  map[string]string
	}{
		{"no limits view", "GEN-ABC", "", nil, []string{"budget", "once"}, nil},
		{"under every limit", "welcome10", "7", counts{pool: pool}, []string{"budget", "once", "welcome"}, nil},
		{"spent", "WELCOME10", "7", counts{usage: map[string]Usage{
			"welcome/welcome10/7": {CouponUses: 100},
			"budget/welcome10/7":  {Discount: money.MustParse("5000.00")},
			"once/welcome10/7":    {CustomerUses: 1},
		}}, nil, map[string]string{
			"welcome": "coupon WELCOME10 used 100 of 100 times",
			"budget":  "budget 5,000.00 USD spent",
			"once":    "customer 7 used the rule 1 of 1 times",
		}},
		{"guests are not limited per customer", "", "", counts{usage: map[string]Usage{"once//": {CustomerUses: 5}}}, []string{"budget", "once"}, nil},
		{"generated code", "gen-ABC", "", counts{pool: pool}, []string{"budget", "once", "pool"}, nil},
		{"unknown generated code", "gen-XYZ", "", counts{pool: pool}, []string{"budget", "once"}, map[string]string{"pool": `needs another coupon code; the cart has "gen-XYZ"`}},
		{"store down: limited rules fail closed", "", "7", counts{err: errors.New("connection refused")}, nil, map[string]string{"budget": "usage store unavailable: connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCart(t, twoLines)
			c.CouponCode, c.Customer.ID = tt.code, tt.customer
			fast, err := p.Evaluate(c, Options{Limits: tt.limits})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := p.Evaluate(c, Options{Limits: tt.limits, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, applied(fast), cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" {
				t.Errorf("applied (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(applied(fast), applied(plain)); diff != "" {
				t.Errorf("indexed and plain walks differ (-indexed +plain):\n%s", diff)
			}
			for _, x := range plain.Explain {
				if want, ok := tt.reasons[x.Rule]; ok && x.Reason != want {
					t.Errorf("%s: reason %q, want %q", x.Rule, x.Reason, want)
				}
			}
		})
	}
}

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"5000.00": "5,000.00", "100": "100", "1234567": "1,234,567", "-1000.5": "-1,000.5", "999.99": "999.99"} {
		if got := grouped(in); got != want {
			t.Errorf("grouped(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestBudgetClamp: the last redemption of an amount budget gets what is
// left, to the minor unit, cut as the guardrail cuts (the rule's lines
// from the last to the first, then its shipping), the same in both walks.
func TestBudgetClamp(t *testing.T) {
	budget := rules.Budget{Amount: money.MustParse("5000")}
	spent := func(s string) counts {
		return counts{usage: map[string]Usage{"budget//": {Discount: money.MustParse(s)}}}
	}
	type line struct{ sku, discount string }
	tests := []struct {
		name    string
		ship    bool // the rule discounts the shipping too
		limits  counts
		applied []AppliedRule
		lines   []line
		totals  Totals
		explain string
	}{
		{"plenty left", false, spent("100"),
			[]AppliedRule{{ID: "budget", Discount: "13.00"}, {ID: "after", Discount: "0.00"}},
			[]line{{"SH-1", "12.00"}, {"SO-1", "1.00"}},
			Totals{Subtotal: "130.00", Discount: "13.00", Shipping: "5.00", ShippingDiscount: "0.00", GrandTotal: "122.00"}, ""},
		{"exactly what is asked is left", false, spent("4987"),
			[]AppliedRule{{ID: "budget", Discount: "13.00"}, {ID: "after", Discount: "0.00"}},
			[]line{{"SH-1", "12.00"}, {"SO-1", "1.00"}},
			Totals{Subtotal: "130.00", Discount: "13.00", Shipping: "5.00", ShippingDiscount: "0.00", GrandTotal: "122.00"}, ""},
		{"the last redemption gets what is left", false, spent("4995.50"),
			[]AppliedRule{{ID: "budget", Discount: "4.50", BudgetClamped: &BudgetClamp{Budget: "5000.00", Asked: "13.00", Given: "4.50"}}, {ID: "after", Discount: "0.00"}},
			[]line{{"SH-1", "4.50"}, {"SO-1", "0.00"}},
			Totals{Subtotal: "130.00", Discount: "4.50", Shipping: "5.00", ShippingDiscount: "0.00", GrandTotal: "130.50"},
			"clamped by its budget: 4.50 of the 13.00 it would give, what was left of 5,000.00 USD"},
		{"left rounded down to the cent", false, spent("4999.995"),
			[]AppliedRule{{ID: "budget", Discount: "0.00", BudgetClamped: &BudgetClamp{Budget: "5000.00", Asked: "13.00", Given: "0.00"}}},
			nil, Totals{}, ""},
		{"the lines give back first", true, spent("4986.70"),
			[]AppliedRule{{ID: "budget", Discount: "13.30", BudgetClamped: &BudgetClamp{Budget: "5000.00", Asked: "13.50", Given: "13.30"}}, {ID: "after", Discount: "0.00"}},
			[]line{{"SH-1", "12.00"}, {"SO-1", "0.80"}},
			Totals{Subtotal: "130.00", Discount: "13.30", Shipping: "5.00", ShippingDiscount: "0.50", GrandTotal: "121.70"},
			"clamped by its budget: 13.30 of the 13.50 it would give, what was left of 5,000.00 USD"},
		{"the lines give back all, then the shipping", true, spent("4999.70"),
			[]AppliedRule{{ID: "budget", Discount: "0.30", BudgetClamped: &BudgetClamp{Budget: "5000.00", Asked: "13.50", Given: "0.30"}}, {ID: "after", Discount: "0.00"}},
			[]line{{"SH-1", "0.00"}, {"SO-1", "0.00"}},
			Totals{Subtotal: "130.00", Discount: "0.30", Shipping: "5.00", ShippingDiscount: "0.30", GrandTotal: "134.70"},
			"clamped by its budget: 0.30 of the 13.50 it would give, what was left of 5,000.00 USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			action := rules.Action{Type: rules.ByPercent, Amount: money.MustParse("10"), ApplyToShipping: tt.ship}
			p := mustCompile(t, testSet(
				rules.CartRule{ID: "budget", Budget: budget, Action: action, Priority: 1},
				rules.CartRule{ID: "after", Priority: 2, Action: rules.Action{Type: rules.ByFixed, Amount: money.Zero}},
			))
			c := mustCart(t, twoLines)
			fast, err := p.Evaluate(c, Options{Limits: tt.limits})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := p.Evaluate(c, Options{Limits: tt.limits, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			if tt.lines == nil { // nothing left: the rule is skipped
				if got := applied(fast); slices.Contains(got, "budget") {
					t.Errorf("applied %v: want the spent rule skipped", got)
				}
				return
			}
			got := fast.AppliedRules
			for i := range got {
				got[i].Name, got[i].Label = "", ""
			}
			if diff := cmp.Diff(tt.applied, got); diff != "" {
				t.Errorf("applied rules (-want +got):\n%s", diff)
			}
			var lines []line
			for _, it := range fast.Items {
				lines = append(lines, line{it.SKU, it.Discount})
			}
			if diff := cmp.Diff(tt.lines, lines, cmp.AllowUnexported(line{})); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.totals, fast.Totals); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			plain.Explain, plain.Membership = nil, nil
			for i := range plain.AppliedRules {
				plain.AppliedRules[i].Name, plain.AppliedRules[i].Label = "", ""
			}
			if diff := cmp.Diff(fast, plain); diff != "" {
				t.Errorf("indexed and plain walks differ (-indexed +plain):\n%s", diff)
			}
			plainX, _ := p.Evaluate(c, Options{Limits: tt.limits, Explain: true})
			for _, x := range plainX.Explain {
				if x.Rule == "budget" && x.Budget != tt.explain {
					t.Errorf("explain budget %q, want %q", x.Budget, tt.explain)
				}
			}
		})
	}
}
