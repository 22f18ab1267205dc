package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// The indexed walk (Evaluate without Explain) must give exactly what the
// walk over every rule gives, for every cart: these tests keep the plain
// walk as the oracle over the demo store and generated projects, with
// random carts, memberships, coupons, groups, websites and instants.

// diffProject is a generated project with the vocabulary its carts draw on.
type diffProject struct {
	name    string
	set     *rules.Set
	coupons []string
	groups  []string
}

// randomProject generates n rules that exercise every way into and out of
// the index: required, negated and alternative audiences, coupons shared
// between rules, disabled rules, windows, groups, websites, shared and
// distinct clauses and item predicates, stop flags, every action.
func randomProject(r *rand.Rand, n int) diffProject {
	d := diffProject{name: fmt.Sprintf("random-%d", n), coupons: []string{"SAVE10", "vip-20", "Welcome", "FREESHIP"},
		groups: []string{"guest", "general", "vip", "wholesale"}}
	set := &rules.Set{Config: rules.Config{Currency: "USD", Timezone: "America/New_York"}}
	for i := range 12 {
		set.Audiences = append(set.Audiences, rules.Audience{ID: fmt.Sprintf("seg-%02d", i), Name: fmt.Sprintf("Aud %d", i)})
	}
	aud := func() string { return fmt.Sprintf(`"Aud %d"`, r.IntN(12)) }
	cats := []string{"shoes", "socks", "tents", "packs", "all"}
	day := func(s string) rules.Bound {
		t, _ := rules.ParseDate(s)
		return rules.Bound{Date: t}
	}
	types := []rules.ActionType{rules.ByPercent, rules.ByFixed, rules.CartFixed, rules.BuyXGetY}
	for i := range n {
		cr := rules.CartRule{ID: fmt.Sprintf("r%03d", i), Name: fmt.Sprintf("Rule %d", i), Enabled: r.IntN(12) != 0, Priority: r.IntN(6)}
		var conds []string
		switch r.IntN(7) {
		case 0, 1:
			conds = append(conds, "audience("+aud()+")")
		case 2:
			conds = append(conds, "not audience("+aud()+")")
		case 3:
			conds = append(conds, "(audience("+aud()+") or audience("+aud()+"))")
		case 4:
			conds = append(conds, "audience("+aud()+", "+aud()+")")
		case 5:
			conds = append(conds, "(audience("+aud()+") or cart.subtotal > 50)")
		}
		switch r.IntN(6) {
		case 0:
			conds = append(conds, fmt.Sprintf("cart.subtotal >= %d", []int{20, 50, 100, 200}[r.IntN(4)]))
		case 1:
			conds = append(conds, fmt.Sprintf(`any(items, %q in item.categories)`, cats[r.IntN(len(cats))]))
		case 2:
			conds = append(conds, `shipping.country in ["US", "CA"]`)
		case 3:
			conds = append(conds, "cart.total_qty >= 3")
		}
		r.Shuffle(len(conds), func(a, b int) { conds[a], conds[b] = conds[b], conds[a] })
		cr.When = rules.Expr{Text: strings.Join(conds, " and ")}
		if r.IntN(6) == 0 {
			cr.Coupons = []string{d.coupons[r.IntN(len(d.coupons))]}
		}
		switch r.IntN(8) {
		case 0:
			cr.CustomerGroups = []string{"vip", "wholesale"}
		case 1:
			cr.Websites = []string{"base"}
		case 2:
			cr.From = day("2026-11-01")
		case 3:
			cr.To = day("2026-11-15")
		case 4:
			cr.From, cr.To = day("2026-11-10"), day("2026-11-30")
		}
		t := types[r.IntN(len(types))]
		cr.Action = rules.Action{Type: t, Amount: money.FromInt(int64(1 + r.IntN(25)))}
		switch t {
		case rules.BuyXGetY:
			cr.Action.Amount, cr.Action.Step = money.One, money.FromInt(int64(1+r.IntN(2)))
		case rules.ByPercent, rules.ByFixed:
			if r.IntN(4) == 0 {
				cr.Action.MaxQty = money.FromInt(int64(1 + r.IntN(3)))
			}
		}
		if r.IntN(5) == 0 {
			cr.Action.ApplyToShipping = true
		}
		switch r.IntN(10) {
		case 0:
			cr.Action.FreeShipping = rules.FreeShippingMatching
		case 1:
			cr.Action.FreeShipping = rules.FreeShippingShipment
		}
		switch r.IntN(3) {
		case 0:
			cr.Action.Items = rules.Expr{Text: fmt.Sprintf(`%q in item.categories`, cats[r.IntN(len(cats))])}
		case 1:
			cr.Action.Items = rules.Expr{Text: fmt.Sprintf(`item.price >= %d and %q in item.categories`, 10*r.IntN(4), cats[r.IntN(len(cats))])}
		}
		cr.StopFurtherRules = r.IntN(8) == 0
		set.CartRules = append(set.CartRules, cr)
	}
	d.set = set
	return d
}

// randomCart draws a cart from the project's vocabulary; base carts (the
// demo's) lend their lines.
func randomCart(r *rand.Rand, set *rules.Set, d diffProject, base []*Cart) *Cart {
	c := &Cart{}
	if len(base) > 0 {
		b := base[r.IntN(len(base))]
		*c = *b
		c.Items = append([]Item(nil), b.Items...)
		c.Now = b.Now.Add(time.Duration(r.IntN(24*90)-24*45) * time.Hour)
	} else {
		c.Now = time.Date(2026, 11, 1+r.IntN(30), r.IntN(24), 0, 0, 0, time.UTC)
		cats := []string{"shoes", "socks", "tents", "packs"}
		for range 1 + r.IntN(8) {
			c.Items = append(c.Items, Item{SKU: fmt.Sprintf("SKU-%d", r.IntN(50)),
				Qty: money.FromInt(int64(1 + r.IntN(5))), Price: money.New(int64(r.IntN(20000)), -2),
				Categories: []string{cats[r.IntN(len(cats))], "all"}})
		}
		c.Shipping = Shipping{Amount: money.New(int64(r.IntN(2000)), -2), Country: []string{"US", "CA", "DE"}[r.IntN(3)]}
	}
	c.Segments = nil
	for _, a := range set.Audiences {
		if r.IntN(3) == 0 {
			c.Segments = append(c.Segments, a.ID)
		}
	}
	if r.IntN(8) == 0 {
		c.Segments = append(c.Segments, "not-in-the-registry")
	}
	if len(d.coupons) > 0 && r.IntN(3) == 0 {
		c.CouponCode = d.coupons[r.IntN(len(d.coupons))]
		if r.IntN(2) == 0 {
			c.CouponCode = strings.ToUpper(c.CouponCode)
		}
	} else if r.IntN(4) == 0 {
		c.CouponCode = ""
	}
	if len(d.groups) > 0 && r.IntN(2) == 0 {
		c.Customer.Group = d.groups[r.IntN(len(d.groups))]
	}
	return c
}

func demoProject(t testing.TB) (diffProject, []*Cart) {
	t.Helper()
	set, diags := loader.Load(filepath.Join("..", "testdata", "demo"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := diffProject{name: "demo", set: set, groups: []string{"guest", "general", "vip", "wholesale"}}
	for _, r := range set.CartRules {
		d.coupons = append(d.coupons, r.Coupons...)
	}
	p := mustCompile(t, set)
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "demo", "carts", "*.json"))
	var carts []*Cart
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := DecodeCart(b, p.CartDefaults())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		carts = append(carts, c)
	}
	return d, carts
}

// agree evaluates c both ways and reports any difference.
func agree(t *testing.T, p *Program, c *Cart, opt Options) bool {
	t.Helper()
	want, werr := p.evaluatePlain(c, opt)
	opt.Explain = false
	got, gerr := p.evaluateIndexed(c, opt)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Errorf("errors differ: plain %v, indexed %v", werr, gerr)
		return false
	}
	if werr != nil {
		return true
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Explain"), cmpopts.IgnoreFields(BlockResult{}, "Why")); diff != "" {
		t.Errorf("indexed walk differs from the walk over every rule (-plain +indexed):\n%s", diff)
		return false
	}
	return true
}

func TestIndexedAgreesWithPlain(t *testing.T) {
	demo, carts := demoProject(t)
	r := rand.New(rand.NewPCG(7, 9))
	projects := []diffProject{demo, randomProject(r, 8), randomProject(r, 40), randomProject(r, 300),
		{name: "bench-200", set: benchSet(200)}}
	var placements []string
	for _, pl := range demo.set.Placements {
		placements = append(placements, pl.ID)
	}
	for _, d := range projects {
		t.Run(d.name, func(t *testing.T) {
			p := mustCompile(t, d.set)
			base := carts
			if d.name != "demo" {
				base = nil
			}
			if d.name == "bench-200" {
				base = []*Cart{benchCart()}
			}
			n := 100
			if testing.Short() {
				n = 30
			}
			for k := range n {
				c := randomCart(r, d.set, d, base)
				opt := Options{Explain: k%2 == 0, Now: c.Now}
				if d.name == "demo" {
					opt.Placements, opt.VisitorID, opt.View = placements, "visitor-1", k
				}
				if !agree(t, p, c, opt) {
					t.Fatalf("cart %d of %s: %+v", k, d.name, c)
				}
			}
		})
	}
}

// FuzzIndexed derives a project and a cart from its input and checks that
// both walks agree.
func FuzzIndexed(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint8(10))
	f.Add(uint64(42), uint64(7), uint8(60))
	f.Fuzz(func(t *testing.T, a, b uint64, n uint8) {
		r := rand.New(rand.NewPCG(a, b))
		d := randomProject(r, 1+int(n)%80)
		p, diags := Compile(d.set)
		if p == nil {
			t.Skip(diags)
		}
		for range 8 {
			agree(t, p, randomCart(r, d.set, d, nil), Options{})
		}
	})
}
