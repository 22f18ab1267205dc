package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

func decp(s string) *money.Decimal {
	d := money.MustParse(s)
	return &d
}

// withGuardrails is set with the given guardrails, sharing everything else.
func withGuardrails(set *rules.Set, g rules.Guardrails) *rules.Set {
	s := *set
	s.Config.Guardrails = g
	return &s
}

func TestGuardrailTrimsLastRuleFirst(t *testing.T) {
	pct := func(id string, prio int, amount int64) rules.CartRule {
		return rules.CartRule{ID: id, Name: id, Enabled: true, Priority: prio,
			Action: rules.Action{Type: rules.ByPercent, Amount: money.FromInt(amount), ApplyToShipping: true}}
	}
	set := &rules.Set{Config: rules.Config{Currency: "USD"}, CartRules: []rules.CartRule{pct("first", 1, 30), pct("second", 2, 30), pct("third", 3, 10)}}
	cart := &Cart{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Items: []Item{
		{SKU: "A", Qty: money.FromInt(1), Price: money.MustParse("60.00")},
		{SKU: "B", Qty: money.FromInt(2), Price: money.MustParse("20.00")},
	}, Shipping: Shipping{Amount: money.MustParse("10.00")}}

	tests := []struct {
		name       string
		g          rules.Guardrails
		discount   string
		rules      map[string]string
		cut        []string
		binding    string
		noGuardail bool
	}{
		{name: "percent binds", g: rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("40")}}, discount: "40.00",
			rules: map[string]string{"first": "33.00", "second": "7.00", "third": "0.00"}, cut: []string{"third", "second"}, binding: "max_discount_percent"},
		{name: "amount binds, to the cent", g: rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("50"), MaxAmount: decp("33.333")}}, discount: "33.33",
			rules: map[string]string{"first": "33.00", "second": "0.33", "third": "0.00"}, cut: []string{"third", "second"}, binding: "max_discount_amount"},
		{name: "cap above the rules binds nothing", g: rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("90")}}, noGuardail: true},
		{name: "website override", g: rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("90")}, Websites: map[string]rules.Guardrail{"base": {MaxAmount: decp("5")}}}, discount: "5.00",
			rules: map[string]string{"first": "5.00", "second": "0.00", "third": "0.00"}, cut: []string{"third", "second", "first"}, binding: "max_discount_amount"},
		{name: "group override wins", g: rules.Guardrails{Websites: map[string]rules.Guardrail{"base": {MaxAmount: decp("5")}}, CustomerGroups: map[string]rules.Guardrail{"guest": {}}}, noGuardail: true},
	}
	plain := mustCompile(t, set)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, withGuardrails(set, tt.g))
			for _, explain := range []bool{false, true} {
				res, err := p.Evaluate(cart, Options{Explain: explain})
				if err != nil {
					t.Fatal(err)
				}
				if tt.noGuardail {
					want, _ := plain.Evaluate(cart, Options{Explain: explain})
					if diff := cmp.Diff(want, res); diff != "" {
						t.Errorf("a cap that does not bind changed the result:\n%s", diff)
					}
					continue
				}
				if res.Totals.Discount != tt.discount || res.Guardrail == nil || !cmp.Equal(res.Guardrail.Rules, tt.cut) || res.Guardrail.Binding != tt.binding {
					t.Fatalf("discount %s, guardrail %+v: want %s cutting %q (%s)", res.Totals.Discount, res.Guardrail, tt.discount, tt.cut, tt.binding)
				}
				for _, a := range res.AppliedRules {
					if a.Discount != tt.rules[a.ID] {
						t.Errorf("rule %s gives %s, want %s", a.ID, a.Discount, tt.rules[a.ID])
					}
				}
				if explain {
					for _, e := range res.Explain {
						if cut := cmp.Equal(e.Guardrail != "", contains(tt.cut, e.Rule)); !cut {
							t.Errorf("explanation of %s: guardrail %q", e.Rule, e.Guardrail)
						}
					}
				}
			}
		})
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestGuardrailProperty: over random rule sets and carts, the total
// discount never exceeds the cap, a cap that binds is met to the minor
// unit with consistent totals, and a cap that does not bind leaves the
// result exactly as without guardrails.
func TestGuardrailProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	sizes := []int{8, 40, 120}
	for _, n := range sizes {
		d := randomProject(r, n)
		base := mustCompile(t, d.set)
		for range 6 {
			var g rules.Guardrail
			switch r.IntN(3) {
			case 0:
				g.MaxPercent = decp(money.FromInt(int64(r.IntN(61))).String())
			case 1:
				g.MaxAmount = decp(money.New(int64(r.IntN(30000)), -2).String())
			default:
				g.MaxPercent, g.MaxAmount = decp(money.New(int64(r.IntN(6001)), -2).String()), decp(money.FromInt(int64(r.IntN(300))).String())
			}
			p := mustCompile(t, withGuardrails(d.set, rules.Guardrails{Guardrail: g}))
			runs := 60
			if testing.Short() {
				runs = 20
			}
			for k := range runs {
				c := randomCart(r, d.set, d, nil)
				opt := Options{Explain: k%2 == 0, Now: c.Now}
				want, werr := base.Evaluate(c, opt)
				got, gerr := p.Evaluate(c, opt)
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("errors differ: %v, %v", werr, gerr)
				}
				if werr != nil {
					continue
				}
				if !agree(t, p, c, opt) {
					t.Fatalf("walks disagree with guardrails %+v", g)
				}
				capAmt, _, _ := capOf(g, money.MustParse(got.Totals.Subtotal), money.Currency{Code: "USD", Digits: 2})
				total := money.MustParse(got.Totals.Discount)
				if total.Cmp(capAmt) > 0 {
					t.Fatalf("discount %s above the cap %s (%+v)", total, capAmt, g)
				}
				if money.MustParse(want.Totals.Discount).Cmp(capAmt) <= 0 {
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("cap %s does not bind, yet the result changed:\n%s", capAmt, diff)
					}
					continue
				}
				checkTrimmed(t, want, got, capAmt)
			}
		}
	}
}

// checkTrimmed checks a result the guardrail cut against the one without.
func checkTrimmed(t *testing.T, want, got *Result, capAmt money.Decimal) {
	t.Helper()
	if got.Guardrail == nil || money.MustParse(got.Totals.Discount).Cmp(capAmt) != 0 {
		t.Fatalf("cap %s binds: discount %s, guardrail %+v", capAmt, got.Totals.Discount, got.Guardrail)
	}
	cut := money.MustParse(want.Totals.Discount).Sub(money.MustParse(got.Totals.Discount))
	if !money.MustParse(got.Guardrail.Trimmed).Equal(cut) {
		t.Errorf("trimmed %s, but the discount fell by %s", got.Guardrail.Trimmed, cut)
	}
	lines := money.MustParse(got.Totals.ShippingDiscount)
	for j, it := range got.Items {
		d := money.MustParse(it.Discount)
		if d.Sign() < 0 || d.Cmp(money.MustParse(want.Items[j].Discount)) > 0 {
			t.Errorf("line %d discount %s (was %s)", j, it.Discount, want.Items[j].Discount)
		}
		lines = lines.Add(d)
	}
	if !lines.Equal(money.MustParse(got.Totals.Discount)) {
		t.Errorf("lines and shipping add up to %s, total discount %s", lines, got.Totals.Discount)
	}
	var rulesSum money.Decimal
	for i, a := range got.AppliedRules {
		d := money.MustParse(a.Discount)
		if a.ID != want.AppliedRules[i].ID || d.Sign() < 0 || d.Cmp(money.MustParse(want.AppliedRules[i].Discount)) > 0 {
			t.Errorf("rule %s gives %s (was %s of %s)", a.ID, a.Discount, want.AppliedRules[i].Discount, want.AppliedRules[i].ID)
		}
		rulesSum = rulesSum.Add(d)
	}
	if !rulesSum.Equal(money.MustParse(got.Totals.Discount)) {
		t.Errorf("rules add up to %s, total discount %s", rulesSum, got.Totals.Discount)
	}
	// Only a suffix of the rules (in application order) is cut: a rule
	// gives less only if every rule after it gives nothing.
	for i := range got.AppliedRules {
		if got.AppliedRules[i].Discount == want.AppliedRules[i].Discount {
			continue
		}
		for _, later := range got.AppliedRules[i+1:] {
			if money.MustParse(later.Discount).Sign() != 0 {
				t.Errorf("rule %s was cut while the later %s still gives %s", got.AppliedRules[i].ID, later.ID, later.Discount)
			}
		}
		break
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Items", "AppliedRules", "Totals", "Guardrail", "Explain")); diff != "" {
		t.Errorf("the guardrail changed more than amounts:\n%s", diff)
	}
}

func TestLintGuardrails(t *testing.T) {
	pct := func(id string, prio int, amount int64, mod func(*rules.CartRule)) rules.CartRule {
		r := rules.CartRule{ID: id, Name: id, Enabled: true, Priority: prio, Action: rules.Action{Type: rules.ByPercent, Amount: money.FromInt(amount)}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	cap40 := rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("40")}}
	stop := func(r *rules.CartRule) { r.StopFurtherRules = true }
	vip := func(r *rules.CartRule) { r.CustomerGroups = []string{"vip"} }
	wholesale := func(r *rules.CartRule) { r.CustomerGroups = []string{"wholesale"} }
	coupon := func(c string) func(*rules.CartRule) { return func(r *rules.CartRule) { r.Coupons = []string{c} } }
	disabled := func(r *rules.CartRule) { r.Enabled = false }
	fixed := func(amount string) func(*rules.CartRule) {
		return func(r *rules.CartRule) {
			r.Action = rules.Action{Type: rules.CartFixed, Amount: money.MustParse(amount)}
		}
	}
	tests := []struct {
		name  string
		rules []rules.CartRule
		g     rules.Guardrails
		want  string // part of the one warning; "" for none
	}{
		{"two stacking percentages", []rules.CartRule{pct("a", 1, 30, nil), pct("b", 2, 30, nil)}, cap40,
			`rules "a", "b" could stack to 51%`},
		{"first stops further rules", []rules.CartRule{pct("a", 1, 30, stop), pct("b", 2, 30, nil)}, cap40, ""},
		{"within the cap", []rules.CartRule{pct("a", 1, 20, nil), pct("b", 2, 20, nil)}, cap40, ""},
		{"groups that never meet", []rules.CartRule{pct("a", 1, 30, vip), pct("b", 2, 30, wholesale)}, cap40, ""},
		{"one group, example names it", []rules.CartRule{pct("a", 1, 30, vip), pct("b", 2, 30, nil)}, cap40, `group "vip"`},
		{"two coupons never meet", []rules.CartRule{pct("a", 1, 30, coupon("X")), pct("b", 2, 30, coupon("Y"))}, cap40, ""},
		{"a coupon stacks on an automatic rule", []rules.CartRule{pct("a", 1, 30, coupon("X")), pct("b", 2, 30, nil)}, cap40, `coupon "X"`},
		{"disabled rule", []rules.CartRule{pct("a", 1, 30, disabled), pct("b", 2, 30, nil)}, cap40, ""},
		{"group override lifts the cap", []rules.CartRule{pct("a", 1, 30, vip), pct("b", 2, 30, vip)},
			rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("40")}, CustomerGroups: map[string]rules.Guardrail{"vip": {MaxPercent: decp("60")}}}, ""},
		{"fixed amounts past the amount cap", []rules.CartRule{pct("a", 1, 0, fixed("100")), pct("b", 2, 0, fixed("80"))},
			rules.Guardrails{Guardrail: rules.Guardrail{MaxAmount: decp("150")}}, `could stack to 180 off, past the guardrail's max_discount_amount 150`},
		{"no guardrail", []rules.CartRule{pct("a", 1, 30, nil), pct("b", 2, 30, nil)}, rules.Guardrails{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, &rules.Set{Config: rules.Config{Currency: "USD", Guardrails: tt.g}, CartRules: tt.rules})
			var got []string
			for _, d := range p.Lint(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
				if d.Code == "guardrail-stacking" {
					got = append(got, d.Message)
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("warnings %q, want one saying %q", got, tt.want)
			}
		})
	}
}
