package engine

import (
	"errors"
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
