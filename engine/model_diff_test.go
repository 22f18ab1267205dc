package engine_test

// Differential tests: random rule sets and carts (modelgen_test.go) run
// through the engine and through the independent model (model_test.go); the
// two must agree on the rules applied, every line's discount, the totals and
// free shipping. A failing case is minimised and printed as a Go literal for
// the regression table (model_regress_test.go).

import (
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

var (
	modelCarts = flag.Int("model.carts", 400, "random carts the differential test checks")
	modelSeed  = flag.Uint64("model.seed", 1, "seed of the first random cart")
	modelShow  = flag.Int("model.show", 5, "failing seeds minimised and printed in full")
)

// knownBugs are the engine bugs whose fixes are under way, when there are
// any: a disagreement the model reproduces with them switched on is then
// logged apart instead of failing. None now: the item order and the
// by_fixed cap are fixed, and their regression cases pin them.
var knownBugs = modelVariant{}

// checkCase runs c through the engine and the model (in reading v) and
// returns what differs, or nil, and the paths the model took.
func checkCase(c modelCase, v modelVariant) ([]string, map[string]int, error) {
	return checkCaseWith(engine.Compile, c, v)
}

// checkCaseWith is checkCase with the engine's rule set compiled by compile.
func checkCaseWith(compile func(*rules.Set) (*engine.Program, diag.List), c modelCase, v modelVariant) ([]string, map[string]int, error) {
	prog, diags := compile(c.set)
	if prog == nil {
		var conds []string
		for _, r := range c.set.CartRules {
			conds = append(conds, r.When.Text, r.Action.Items.Text)
		}
		return nil, nil, fmt.Errorf("compile: %v (conditions %q)", diags, conds)
	}
	want, err := evaluateModel(c.set, c.cart, modelNow, v)
	if err != nil {
		return nil, nil, err
	}
	cart := c.clone().cart
	got, err := prog.Evaluate(cart, engine.Options{Now: modelNow, Explain: true})
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: %v", err)
	}
	return compareModel(want, got, c.cart.CouponCode != ""), want.seen, nil
}

// compareModel lists every difference between the model's result and the
// engine's.
func compareModel(m *modelResult, r *engine.Result, coupon bool) []string {
	var d []string
	f := m.currency.Format
	eq := func(what, want, got string) {
		if want != got {
			d = append(d, fmt.Sprintf("%s: model %s, engine %s", what, want, got))
		}
	}
	for _, e := range r.Errors {
		d = append(d, fmt.Sprintf("engine error in %s: %s", e.Rule, e.Message))
	}
	var ids []string
	for _, a := range r.AppliedRules {
		ids = append(ids, a.ID)
	}
	eq("applied rules", fmt.Sprint(m.applied), fmt.Sprint(ids))
	if len(r.Items) != len(m.items) {
		return append(d, fmt.Sprintf("engine returned %d lines for %d", len(r.Items), len(m.items)))
	}
	for i, it := range r.Items {
		mi := m.items[i]
		eq(fmt.Sprintf("line %d row total", i), f(mi.rowTotal), it.RowTotal)
		eq(fmt.Sprintf("line %d discount", i), f(mi.discount), it.Discount)
		eq(fmt.Sprintf("line %d applied rules", i), fmt.Sprint(mi.applied), fmt.Sprint(slices.Clip(it.AppliedRules)))
		free := money.Zero
		if it.FreeShippingQty != "" {
			free = money.MustParse(it.FreeShippingQty)
		}
		if !free.Equal(mi.freeQty) {
			eq(fmt.Sprintf("line %d free shipping qty", i), mi.freeQty.String(), it.FreeShippingQty)
		}
	}
	eq("subtotal", f(m.subtotal), r.Totals.Subtotal)
	eq("discount", f(m.discount()), r.Totals.Discount)
	eq("shipping", f(m.shipping), r.Totals.Shipping)
	eq("shipping discount", f(m.shippingDiscount), r.Totals.ShippingDiscount)
	eq("grand total", f(m.grandTotal()), r.Totals.GrandTotal)
	eq("free shipping", fmt.Sprint(m.freeShipping), fmt.Sprint(r.FreeShipping))
	if coupon {
		if r.Coupon == nil {
			d = append(d, "engine reports no coupon")
		} else {
			eq("coupon applied", fmt.Sprint(m.couponApplied), fmt.Sprint(r.Coupon.Applied))
		}
	}
	for _, e := range r.Explain {
		applied := slices.Contains(m.applied, e.Rule)
		why := m.status[e.Rule]
		switch {
		case e.Applied != applied:
			d = append(d, fmt.Sprintf("explain %s: applied %v, model says %v", e.Rule, e.Applied, applied))
		case len(why) > 0 && !slices.Contains(why, e.Status):
			d = append(d, fmt.Sprintf("explain %s: status %s, model says one of %v", e.Rule, e.Status, why))
		case len(why) == 0 && slices.Contains([]string{"disabled", "website", "customer_group", "not_started", "expired", "coupon", "condition"}, e.Status):
			d = append(d, fmt.Sprintf("explain %s: status %s, but it passed every check", e.Rule, e.Status))
		}
	}
	return d
}

// seedCase is the random case of a seed.
func seedCase(seed uint64) modelCase {
	return genCase(rand.New(rand.NewPCG(seed, 0x6d6f64656c)))
}

// TestModelRandom runs -model.carts random carts (400 by default; the long
// run is -model.carts=100000) through the engine and the model.
func TestModelRandom(t *testing.T) {
	var failed, known []uint64
	seen := map[string]int{}
	// Every other cart is compiled as a reload is: by one Compiler that
	// reuses the conditions of the rule set before.
	var reload engine.Compiler
	for i := range uint64(*modelCarts) {
		seed := *modelSeed + i
		c := seedCase(seed)
		compile := engine.Compile
		if seed%2 == 1 {
			compile = reload.Compile
		}
		d, s, err := checkCaseWith(compile, c, modelVariant{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for k, n := range s {
			seen[k] += n
		}
		if len(d) == 0 {
			continue
		}
		if knownBugs != (modelVariant{}) {
			if kd, _, _ := checkCase(c, knownBugs); len(kd) == 0 {
				known = append(known, seed)
				continue
			}
		}
		failed = append(failed, seed)
		if len(failed) <= *modelShow {
			small := minimiseCase(c, func(c modelCase) bool {
				d, _, err := checkCase(c, modelVariant{})
				return err == nil && len(d) > 0
			})
			sd, _, _ := checkCase(small, modelVariant{})
			t.Errorf("seed %d: engine and model disagree:\n  %s\nminimised:\n  %s\n%s",
				seed, strings.Join(d, "\n  "), strings.Join(sd, "\n  "), goCase(small))
		}
	}
	var tally []string
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		tally = append(tally, fmt.Sprintf("%s %d", k, seen[k]))
	}
	t.Logf("paths the model took: %s", strings.Join(tally, ", "))
	// A generator that stops reaching a path of the arithmetic would let
	// the engine drift there unseen.
	if *modelCarts >= 400 {
		for _, k := range modelPaths {
			if seen[k] == 0 {
				t.Errorf("%d random carts never took %q: the generator no longer reaches it", *modelCarts, k)
			}
		}
	}
	if len(known) > 0 {
		t.Logf("%d of %d carts differ only by known engine bugs (%+v), e.g. seed %d", len(known), *modelCarts, knownBugs, known[0])
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d random carts disagree; seeds %v", len(failed), *modelCarts, failed[:min(len(failed), 20)])
	} else {
		t.Logf("%d random carts agree (seeds %d..%d)", *modelCarts, *modelSeed, *modelSeed+uint64(*modelCarts)-1)
	}
}

// modelPaths are the paths of the arithmetic every run of 400 carts or more
// must take at least once.
var modelPaths = []string{
	"applied by_percent", "applied by_fixed", "applied cart_fixed", "applied buy_x_get_y",
	"cart_fixed last line clamped", "cart_fixed shared with shipping", "cart_fixed used up",
	"coupon applied", "fractional qty", "free shipping", "line below the step", "line capped at its row",
	"line not above X", "line stopped by an earlier rule", "max_qty below the line",
	"not a candidate: condition", "not a candidate: coupon", "not a candidate: customer_group",
	"not a candidate: disabled", "not a candidate: expired", "not a candidate: not_started",
	"not a candidate: website", "over 64 lines", "percent carry", "row over ten million", "shipping buy_x_get_y", "shipping by_fixed",
	"shipping by_percent", "shipping cart_fixed", "shipping loop stopped", "zero price",
}

// FuzzModel derives a rule set and a cart from the fuzz input: its bytes are
// the random choices of the generator.
func FuzzModel(f *testing.F) {
	// Seeds: the choices of a few generated cases, 8 bytes a choice.
	for seed := range uint64(8) {
		r := rand.NewPCG(seed, 0x6d6f64656c)
		var b []byte
		for range 160 {
			b = binary.BigEndian.AppendUint64(b, r.Uint64())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := genCase(rand.New(&byteSource{b: data}))
		d, _, err := checkCase(c, modelVariant{})
		if err != nil {
			t.Fatal(err)
		}
		if len(d) > 0 {
			if kd, _, _ := checkCase(c, knownBugs); knownBugs != (modelVariant{}) && len(kd) == 0 {
				t.Skip("a known engine bug")
			}
			t.Errorf("engine and model disagree:\n  %s\n%s", strings.Join(d, "\n  "), goCase(c))
		}
	})
}

// byteSource turns fuzz input into random choices, 8 bytes a choice; once
// the bytes run out a fixed PCG stream takes over (a constant would loop
// forever in rand's rejection sampling).
type byteSource struct {
	b    []byte
	rest *rand.PCG
}

func (s *byteSource) Uint64() uint64 {
	if len(s.b) == 0 {
		if s.rest == nil {
			s.rest = rand.NewPCG(0, 0)
		}
		return s.rest.Uint64()
	}
	var v uint64
	for range 8 {
		v <<= 8
		if len(s.b) > 0 {
			v |= uint64(s.b[0])
			s.b = s.b[1:]
		}
	}
	return v
}
