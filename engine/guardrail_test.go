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
	guardrailProperty(t, rand.New(rand.NewPCG(13, 17)), func(*rand.Rand, *rules.Set) {})
}

// TestGuardrailPropertyShipping is the property over rule sets heavy in
// shipping: many rules discount shipping, many make it free (the shipment
// or the matching lines), so that caps cut through waivers.
func TestGuardrailPropertyShipping(t *testing.T) {
	seen := guardrailProperty(t, rand.New(rand.NewPCG(29, 31)), func(r *rand.Rand, set *rules.Set) {
		for i := range set.CartRules {
			a := &set.CartRules[i].Action
			a.ApplyToShipping = r.IntN(2) == 0
			switch r.IntN(4) {
			case 0:
				a.FreeShipping = rules.FreeShippingShipment
			case 1:
				a.FreeShipping = rules.FreeShippingMatching
			default:
				a.FreeShipping = rules.NoFreeShipping
			}
		}
	})
	t.Logf("caps bound %d carts, cut shipping in %d, took free shipping back in %d", seen.bound, seen.shipping, seen.revoked)
	if seen.shipping == 0 || seen.revoked == 0 {
		t.Errorf("the run never cut shipping (%d) or took free shipping back (%d): the property is not exercised", seen.shipping, seen.revoked)
	}
}

// guardrailProperty checks the guardrail over random projects, each
// changed by shape first.
func guardrailProperty(t *testing.T, r *rand.Rand, shape func(*rand.Rand, *rules.Set)) (seen guardrailSeen) {
	sizes := []int{8, 40, 120}
	for _, n := range sizes {
		d := randomProject(r, n)
		shape(r, d.set)
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
				seen.bound++
				if got.Guardrail.ShippingTrimmed != "" {
					seen.shipping++
				}
				if got.Guardrail.FreeShippingRevoked != "" {
					seen.revoked++
				}
			}
		}
	}
	return seen
}

// guardrailSeen counts the carts a property run's caps bound, cut into
// shipping, and took free shipping back from.
type guardrailSeen struct{ bound, shipping, revoked int }

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
	// Every rule gives at most what it gave, but for the rule whose waiver
	// makes the shipment free: the shipping discounts of the rules after
	// it that the cap reached pass to it (the shipment ships free anyway).
	var rulesSum money.Decimal
	gained := 0
	for i, a := range got.AppliedRules {
		d := money.MustParse(a.Discount)
		was := money.MustParse(want.AppliedRules[i].Discount)
		if a.ID != want.AppliedRules[i].ID || d.Sign() < 0 {
			t.Errorf("rule %s gives %s (was %s of %s)", a.ID, a.Discount, want.AppliedRules[i].Discount, want.AppliedRules[i].ID)
		}
		if d.Cmp(was) > 0 {
			if gained++; !want.FreeShipping || gained > 1 {
				t.Errorf("rule %s gives %s, more than the %s it gave (free shipping %t)", a.ID, a.Discount, was, want.FreeShipping)
			}
		}
		rulesSum = rulesSum.Add(d)
	}
	if !rulesSum.Equal(money.MustParse(got.Totals.Discount)) {
		t.Errorf("rules add up to %s, total discount %s", rulesSum, got.Totals.Discount)
	}
	// Only a suffix of the rules (in application order) gives less: a
	// rule gives less only if every rule after it gives nothing, or only
	// what passed to the waiver.
	for i := range got.AppliedRules {
		if money.MustParse(got.AppliedRules[i].Discount).Cmp(money.MustParse(want.AppliedRules[i].Discount)) >= 0 {
			continue
		}
		for j, later := range got.AppliedRules[i+1:] {
			if d := money.MustParse(later.Discount); d.Sign() != 0 && d.Cmp(money.MustParse(want.AppliedRules[i+1+j].Discount)) <= 0 {
				t.Errorf("rule %s was cut while the later %s still gives %s", got.AppliedRules[i].ID, later.ID, later.Discount)
			}
		}
		break
	}
	checkShipping(t, want, got)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Items", "AppliedRules", "Totals", "Guardrail", "Explain", "FreeShipping")); diff != "" {
		t.Errorf("the guardrail changed more than amounts:\n%s", diff)
	}
}

// checkShipping checks what the guardrail did to shipping: what it took
// back is shipping_trimmed, and a cart that ships free after it has all
// its shipping waived, while one whose free shipping was taken back says
// so and marks no line free.
func checkShipping(t *testing.T, want, got *Result) {
	t.Helper()
	shipping := money.MustParse(got.Totals.Shipping)
	wantShip, gotShip := money.MustParse(want.Totals.ShippingDiscount), money.MustParse(got.Totals.ShippingDiscount)
	trimmed := money.Zero
	if got.Guardrail.ShippingTrimmed != "" {
		trimmed = money.MustParse(got.Guardrail.ShippingTrimmed)
	}
	if !wantShip.Sub(gotShip).Equal(trimmed) {
		t.Errorf("shipping discount fell from %s to %s, shipping_trimmed %q", wantShip, gotShip, got.Guardrail.ShippingTrimmed)
	}
	revoked := got.Guardrail.FreeShippingRevoked != ""
	switch {
	case revoked && (!want.FreeShipping || got.FreeShipping || shipping.Sign() <= 0 || gotShip.Cmp(shipping) >= 0):
		t.Errorf("free shipping of %s revoked, yet free_shipping %t (was %t), shipping %s, discount %s", got.Guardrail.FreeShippingRevoked, got.FreeShipping, want.FreeShipping, shipping, gotShip)
	case !revoked && got.FreeShipping != want.FreeShipping:
		t.Errorf("free_shipping changed from %t to %t, but no free shipping was revoked", want.FreeShipping, got.FreeShipping)
	case got.FreeShipping && shipping.Sign() > 0 && !gotShip.Equal(shipping):
		t.Errorf("the cart ships free, yet the shipping discount is %s of %s", gotShip, shipping)
	}
	for j, it := range got.Items {
		switch {
		case revoked && it.FreeShippingQty != "":
			t.Errorf("free shipping revoked, yet line %d ships %s units free", j, it.FreeShippingQty)
		case !revoked && it.FreeShippingQty != want.Items[j].FreeShippingQty:
			t.Errorf("line %d ships %q units free, was %q", j, it.FreeShippingQty, want.Items[j].FreeShippingQty)
		}
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

// TestGuardrailFreeShipping: the shipping a free-shipping rule waives counts
// toward the cap; the rules after it give their shipping discount to the
// waiver before the waiver is cut; once shipping is taken back the cart
// no longer ships free. Free shipping without a shipping amount is left.
func TestGuardrailFreeShipping(t *testing.T) {
	free := rules.CartRule{ID: "free-ship", Name: "free-ship", Enabled: true, Priority: 1,
		Action: rules.Action{Type: rules.ByPercent, Amount: money.Zero, FreeShipping: rules.FreeShippingShipment}}
	pct := rules.CartRule{ID: "thirty", Name: "thirty", Enabled: true, Priority: 2,
		Action: rules.Action{Type: rules.ByPercent, Amount: money.FromInt(30), ApplyToShipping: true}}
	lines := rules.CartRule{ID: "free-lines", Name: "free-lines", Enabled: true, Priority: 1,
		Action: rules.Action{Type: rules.ByPercent, Amount: money.FromInt(10), FreeShipping: rules.FreeShippingMatching}}
	cart := func(shipping string) *Cart {
		return &Cart{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Items: []Item{
			{SKU: "A", Qty: money.FromInt(1), Price: money.MustParse("60.00")},
			{SKU: "B", Qty: money.FromInt(2), Price: money.MustParse("20.00")},
		}, Shipping: Shipping{Amount: money.MustParse(shipping)}}
	}
	amount := func(s string) rules.Guardrails {
		return rules.Guardrails{Guardrail: rules.Guardrail{MaxAmount: decp(s)}}
	}
	tests := []struct {
		name      string
		rules     []rules.CartRule
		cart      *Cart
		g         rules.Guardrails
		discount  string // total
		shipping  string // shipping discount
		free      bool
		given     map[string]string // by rule
		cut       []string
		trimmed   string // shipping_trimmed
		revoked   string
		freeLines bool // lines still marked free
		explain   string
	}{
		// Without a cap: 30.00 off the lines, 3.00 (30%) of the 10.00
		// shipping by "thirty", the other 7.00 waived by "free-ship".
		{name: "the lines give back first", rules: []rules.CartRule{free, pct}, cart: cart("10.00"), g: amount("35"),
			discount: "35.00", shipping: "10.00", free: true, given: map[string]string{"free-ship": "7.00", "thirty": "28.00"}, cut: []string{"thirty"}},
		{name: "lines cut, the shipping of a later rule stays", rules: []rules.CartRule{free, pct}, cart: cart("10.00"), g: amount("10"),
			discount: "10.00", shipping: "10.00", free: true, given: map[string]string{"free-ship": "7.00", "thirty": "3.00"}, cut: []string{"thirty"}},
		{name: "a later rule's shipping discount passes to the waiver", rules: []rules.CartRule{free, pct}, cart: cart("10.00"), g: amount("9"),
			discount: "9.00", shipping: "9.00", given: map[string]string{"free-ship": "9.00", "thirty": "0.00"}, cut: []string{"thirty", "free-ship"},
			trimmed: "1.00", revoked: "free-ship", explain: "the cart pays 1.00 of the shipping"},
		{name: "the waiver is cut: the cart pays shipping", rules: []rules.CartRule{free, pct}, cart: cart("10.00"), g: amount("8"),
			discount: "8.00", shipping: "8.00", given: map[string]string{"free-ship": "8.00", "thirty": "0.00"}, cut: []string{"thirty", "free-ship"},
			trimmed: "2.00", revoked: "free-ship", explain: "its free shipping is taken back: the cart pays 2.00 of the shipping"},
		{name: "a zero cap takes everything back", rules: []rules.CartRule{free, pct}, cart: cart("10.00"), g: amount("0"),
			discount: "0.00", shipping: "0.00", given: map[string]string{"free-ship": "0.00", "thirty": "0.00"}, cut: []string{"thirty", "free-ship"},
			trimmed: "10.00", revoked: "free-ship"},
		{name: "percent of the subtotal counts the waiver too", rules: []rules.CartRule{free}, cart: cart("10.00"),
			g: rules.Guardrails{Guardrail: rules.Guardrail{MaxPercent: decp("5")}}, discount: "5.00", shipping: "5.00",
			given: map[string]string{"free-ship": "5.00"}, cut: []string{"free-ship"}, trimmed: "5.00", revoked: "free-ship"},
		{name: "free shipping without a shipping amount is a mark, not cut", rules: []rules.CartRule{free, pct}, cart: cart("0"), g: amount("20"),
			discount: "20.00", shipping: "0.00", free: true, given: map[string]string{"free-ship": "0.00", "thirty": "20.00"}, cut: []string{"thirty"}},
		{name: "lines marked free lose their marks with the waiver", rules: []rules.CartRule{lines}, cart: cart("10.00"), g: amount("9"),
			discount: "9.00", shipping: "9.00", given: map[string]string{"free-lines": "9.00"}, cut: []string{"free-lines"},
			trimmed: "1.00", revoked: "free-lines"},
		{name: "lines marked free keep their marks when the waiver stands", rules: []rules.CartRule{lines}, cart: cart("10.00"), g: amount("15"),
			discount: "15.00", shipping: "10.00", free: true, freeLines: true, given: map[string]string{"free-lines": "15.00"}, cut: []string{"free-lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := &rules.Set{Config: rules.Config{Currency: "USD", Guardrails: tt.g}, CartRules: tt.rules}
			p := mustCompile(t, set)
			res, err := p.Evaluate(tt.cart, Options{Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			gr := res.Guardrail
			if gr == nil {
				t.Fatalf("the cap did not bind: %+v", res.Totals)
			}
			if res.Totals.Discount != tt.discount || res.Totals.ShippingDiscount != tt.shipping || res.FreeShipping != tt.free {
				t.Errorf("discount %s, shipping discount %s, free shipping %t: want %s, %s, %t", res.Totals.Discount, res.Totals.ShippingDiscount, res.FreeShipping, tt.discount, tt.shipping, tt.free)
			}
			if !cmp.Equal(gr.Rules, tt.cut) || gr.ShippingTrimmed != tt.trimmed || gr.FreeShippingRevoked != tt.revoked {
				t.Errorf("guardrail %+v: want rules %q, shipping_trimmed %q, free_shipping_revoked %q", gr, tt.cut, tt.trimmed, tt.revoked)
			}
			for _, a := range res.AppliedRules {
				if a.Discount != tt.given[a.ID] {
					t.Errorf("rule %s gives %s, want %s", a.ID, a.Discount, tt.given[a.ID])
				}
			}
			for j, it := range res.Items {
				if (it.FreeShippingQty != "") != tt.freeLines {
					t.Errorf("line %d ships %q units free", j, it.FreeShippingQty)
				}
			}
			var said []string
			for _, e := range res.Explain {
				said = append(said, e.Guardrail)
			}
			if !strings.Contains(strings.Join(said, "\n"), tt.explain) {
				t.Errorf("explanations %q do not say %q", said, tt.explain)
			}
			if !agree(t, p, tt.cart, Options{Explain: true}) {
				t.Error("the walks disagree")
			}
		})
	}
}
