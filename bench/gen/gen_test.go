package gen_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ruled/ruled/bench/gen"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

var decimalEqual = cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) })

func TestDeterministic(t *testing.T) {
	a, b := gen.New(gen.Options{Rules: 300}), gen.New(gen.Options{Rules: 300})
	fa, fb := a.Files(), b.Files()
	if len(fa) != len(fb) {
		t.Fatalf("files: %d vs %d", len(fa), len(fb))
	}
	for i := range fa {
		if fa[i].Name != fb[i].Name || !bytes.Equal(fa[i].Data, fb[i].Data) {
			t.Errorf("%s differs between two runs", fa[i].Name)
		}
	}
	ca, _ := gen.CartJSON(a.BenchCart())
	cb, _ := gen.CartJSON(b.BenchCart())
	if !bytes.Equal(ca, cb) {
		t.Error("the bench cart differs between two runs")
	}
	if c := gen.New(gen.Options{Rules: 300, Seed: 2}); bytes.Equal(c.Files()[2].Data, fa[2].Data) {
		t.Error("another seed gave the same rules")
	}
}

// The files written are the rule set: the loader reads them back to the
// same rules, and both compile to programs that price the cart alike.
func TestWrittenProjectLoads(t *testing.T) {
	p := gen.New(gen.Options{Rules: 450, Audiences: 200})
	dir := t.TempDir()
	if err := p.Write(dir); err != nil {
		t.Fatal(err)
	}
	set, diags := loader.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("loading the written project:\n%s", diags)
	}
	wantFiles := []string{"audiences.yaml", "ruled.yaml"}
	for k := range 5 {
		wantFiles = append(wantFiles, filepath.FromSlash(gen.RuleFileName(k)))
	}
	if d := cmp.Diff(wantFiles, set.Files, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	ignore := cmp.Options{
		decimalEqual,
		cmpopts.IgnoreFields(rules.CartRule{}, "Pos", "Fields"),
		cmpopts.IgnoreFields(rules.Expr{}, "Pos", "Offsets"),
		cmpopts.IgnoreFields(rules.Audience{}, "Pos", "Fields"),
		cmpopts.IgnoreFields(rules.Config{}, "Fields"),
		cmpopts.EquateEmpty(),
	}
	byID := map[string]rules.CartRule{}
	for _, r := range set.CartRules {
		byID[r.ID] = r
	}
	if len(byID) != len(p.Set.CartRules) {
		t.Fatalf("loaded %d rules, generated %d", len(byID), len(p.Set.CartRules))
	}
	for _, want := range p.Set.CartRules {
		if d := cmp.Diff(want, byID[want.ID], ignore); d != "" {
			t.Errorf("rule %s (-generated +loaded):\n%s", want.ID, d)
		}
	}
	if d := cmp.Diff(p.Set.Audiences, set.Audiences, ignore); d != "" {
		t.Errorf("audiences (-generated +loaded):\n%s", d)
	}
	if d := cmp.Diff(p.Set.Config, set.Config, ignore); d != "" {
		t.Errorf("config (-generated +loaded):\n%s", d)
	}

	loaded, diags := engine.Compile(set)
	if loaded == nil {
		t.Fatalf("compiling the loaded set:\n%s", diags)
	}
	generated, diags := engine.Compile(p.Set)
	if generated == nil {
		t.Fatalf("compiling the generated set:\n%s", diags)
	}
	for seed := range uint64(5) {
		c := p.Cart(gen.CartOptions{Seed: seed + 1, Coupon: "SAVE10"})
		a, err := loaded.Evaluate(c, engine.Options{Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := generated.Evaluate(c, engine.Options{Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("cart %d priced differently (-loaded +generated):\n%s", seed, d)
		}
	}
}

// The mix the package documents holds at 10,000 rules.
func TestMix(t *testing.T) {
	p := gen.New(gen.Options{Rules: 10000})
	n := float64(len(p.Set.CartRules))
	share := func(f func(*rules.CartRule, *gen.Rule) bool) float64 { return float64(p.Count(f)) / n }
	has := func(r *gen.Rule, k gen.ClauseKind) bool {
		for _, c := range r.When {
			if c.Kind == k {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name     string
		f        func(*rules.CartRule, *gen.Rule) bool
		min, max float64
	}{
		{"gated by an audience", func(_ *rules.CartRule, r *gen.Rule) bool { return has(r, gen.InAudience) || has(r, gen.NotInAudience) }, 0.67, 0.73},
		{"either of two audiences", func(_ *rules.CartRule, r *gen.Rule) bool {
			return has(r, gen.InAudience) && len(r.When[0].Audiences) == 2
		}, 0.05, 0.09},
		{"not in an audience", func(_ *rules.CartRule, r *gen.Rule) bool { return has(r, gen.NotInAudience) }, 0.05, 0.09},
		{"coupon", func(c *rules.CartRule, _ *gen.Rule) bool { return len(c.Coupons) > 0 }, 0.13, 0.17},
		{"shared coupon", func(c *rules.CartRule, _ *gen.Rule) bool {
			return len(c.Coupons) == 1 && len(c.Coupons[0]) < 12 && c.Coupons[0][0] != 'P'
		}, 0.03, 0.06},
		{"customer groups", func(c *rules.CartRule, _ *gen.Rule) bool { return len(c.CustomerGroups) > 0 }, 0.22, 0.28},
		{"always on", func(c *rules.CartRule, _ *gen.Rule) bool { return c.From.IsZero() && c.To.IsZero() }, 0.37, 0.43},
		{"disabled", func(c *rules.CartRule, _ *gen.Rule) bool { return !c.Enabled }, 0.01, 0.03},
		{"stops further rules", func(c *rules.CartRule, _ *gen.Rule) bool { return c.StopFurtherRules }, 0.08, 0.12},
		{"selects items", func(c *rules.CartRule, _ *gen.Rule) bool { return !c.Action.Items.IsZero() }, 0.3, 0.7},
	}
	for _, tt := range tests {
		if got := share(tt.f); got < tt.min || got > tt.max {
			t.Errorf("%s: %.3f of rules, want %.2f..%.2f", tt.name, got, tt.min, tt.max)
		}
	}
	for _, typ := range rules.ActionTypes {
		if share(func(c *rules.CartRule, _ *gen.Rule) bool { return c.Action.Type == typ }) < 0.05 {
			t.Errorf("action %s is rare", typ)
		}
	}
	for _, fs := range rules.FreeShippingModes[1:] {
		if share(func(c *rules.CartRule, _ *gen.Rule) bool { return c.Action.FreeShipping == fs }) < 0.01 {
			t.Errorf("free shipping %s is rare", fs)
		}
	}
	// Identical conditions and item predicates repeat across many rules.
	preds := map[string]int{}
	conds := map[string]int{}
	for _, r := range p.Rules {
		for _, c := range r.When {
			conds[c.String()]++
			for _, ip := range c.Item {
				preds[ip.String()]++
			}
		}
	}
	if n := preds[`"shoes" in item.categories`]; n < 200 {
		t.Errorf(`"shoes" in item.categories appears in %d clauses, want it shared by many rules`, n)
	}
	if n := conds["cart.subtotal >= 100"]; n < 200 {
		t.Errorf("cart.subtotal >= 100 appears in %d rules, want it shared by many", n)
	}
}

func TestCartJSON(t *testing.T) {
	p := gen.New(gen.Options{Rules: 10})
	for _, o := range []gen.CartOptions{{}, {Seed: 7, Group: "vip", Coupon: "P00003"}, {Lines: 1, Members: 1}} {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			c := p.Cart(o)
			body, err := gen.CartJSON(c)
			if err != nil {
				t.Fatal(err)
			}
			usd, _ := money.LookupCurrency("USD")
			got, err := engine.DecodeCart(body, engine.CartDefaults{Currency: usd})
			if err != nil {
				t.Fatalf("%v\n%s", err, body)
			}
			if d := cmp.Diff(c, got, decimalEqual, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b money.Currency) bool { return a.Code == b.Code })); d != "" {
				t.Errorf("decoded cart (-generated +decoded):\n%s", d)
			}
			wantLines, wantMembers := 20, 10
			if o.Lines > 0 {
				wantLines, wantMembers = o.Lines, o.Members
			}
			if len(c.Items) != wantLines || len(c.Segments) != wantMembers {
				t.Errorf("%d lines, %d segments; want %d, %d", len(c.Items), len(c.Segments), wantLines, wantMembers)
			}
		})
	}
}
