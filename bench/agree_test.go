package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ruled/ruled/bench/gen"
	"github.com/ruled/ruled/bench/opa"
	"github.com/ruled/ruled/bench/scan"
	"github.com/ruled/ruled/engine"
)

// matchedStatuses are the explain statuses of rules whose filters and
// condition held: the arithmetic decided the rest.
var matchedStatuses = map[string]bool{"applied": true, "nothing_left": true, "no_items": true, "stopped": true}

// ruledMatches returns the ids of the rules whose filters and condition
// hold for c, from ruled's explanation, sorted.
func ruledMatches(p *engine.Program, c *engine.Cart) ([]string, *engine.Result, error) {
	res, err := p.Evaluate(c, engine.Options{Explain: true})
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, x := range res.Explain {
		if matchedStatuses[x.Status] {
			ids = append(ids, x.Rule)
		}
	}
	slices.Sort(ids)
	return ids, res, nil
}

// agreementCarts vary the shopper, group, coupon and lines, so that every
// kind of filter and clause is exercised both ways.
func agreementCarts(p *gen.Project) []*engine.Cart {
	carts := []*engine.Cart{p.BenchCart()}
	groups := []string{"general", "vip", "guest", "wholesale"}
	for i := range 11 {
		o := gen.CartOptions{Seed: uint64(i + 2), Group: groups[i%len(groups)], Members: 1 + i*3, Lines: 5 + i*3}
		switch i % 3 {
		case 0:
			o.Coupon = p.SharedCoupons[i%len(p.SharedCoupons)]
		case 1:
			o.Coupon = p.Set.CartRules[i*7].ID // not a code: no coupon rule matches
		}
		c := p.Cart(o)
		if i%4 == 3 {
			c.Shipping.Country = "CA"
		}
		carts = append(carts, c)
	}
	// A shopper in the audiences of the first gated rules, with the code of
	// a coupon rule that can hold (running, for every group, needing only
	// audiences and thresholds), so that single and either-of-two audience
	// clauses and unique codes match too.
	c := p.Cart(gen.CartOptions{Seed: 99, Members: 1})
	for _, r := range p.Rules[:min(40, len(p.Rules))] {
		if len(r.When) > 0 && r.When[0].Kind == gen.InAudience {
			c.Segments = append(c.Segments, r.When[0].Audiences[len(r.When[0].Audiences)-1].ID)
		}
	}
	for i, r := range p.Rules {
		cr := p.Set.CartRules[i]
		if len(cr.Coupons) == 0 || !cr.Enabled || len(cr.CustomerGroups) > 0 || !cr.From.IsZero() || !cr.To.IsZero() || !simple(r.When) {
			continue
		}
		c.CouponCode = cr.Coupons[len(cr.Coupons)-1]
		for _, cl := range r.When {
			if cl.Kind == gen.InAudience {
				c.Segments = append(c.Segments, cl.Audiences[0].ID)
			}
		}
		break
	}
	return append(carts, c)
}

// simple reports whether a condition holds for the big generated carts
// once the shopper is in its audiences.
func simple(when []gen.Clause) bool {
	for _, c := range when {
		switch {
		case c.Kind == gen.InAudience, c.Kind == gen.ShipsTo,
			c.Kind == gen.CartAtLeast && c.Field == "subtotal" && c.Min <= 100:
		default:
			return false
		}
	}
	return true
}

// TestAgree checks that ruled, the plain walk and OPA find the same rules
// matching, cart by cart, so that the benchmarks compare equal work.
func TestAgree(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{100, 1000} {
		t.Run(fmt.Sprintf("rules=%d", n), func(t *testing.T) {
			p := gen.New(gen.Options{Rules: n})
			prog, diags := engine.Compile(p.Set)
			if prog == nil {
				t.Fatal(diags)
			}
			walk, err := scan.New(p.Set)
			if err != nil {
				t.Fatal(err)
			}
			peer, err := opa.New(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for i, c := range agreementCarts(p) {
				want, _, err := ruledMatches(prog, c)
				if err != nil {
					t.Fatal(err)
				}
				got, err := walk.Match(c, nil)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("cart %d: plain walk (-ruled +walk):\n%s", i, d)
				}
				got, err = peer.Match(ctx, c, nil)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("cart %d: OPA (-ruled +opa):\n%s", i, d)
				}
				total += len(want)
			}
			if total == 0 {
				t.Error("no rule matched any cart: the check says nothing")
			}
		})
	}
}

// TestAgreeCoverage checks that the agreement carts make every kind of
// clause both hold and fail somewhere, so that TestAgree is not vacuous.
func TestAgreeCoverage(t *testing.T) {
	p := gen.New(gen.Options{Rules: 1000})
	walk, err := scan.New(p.Set)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[gen.ClauseKind]string{gen.InAudience: "audience", gen.NotInAudience: "not audience", gen.CartAtLeast: "cart threshold",
		gen.AnyItem: "any item", gen.SumAtLeast: "sum", gen.CountAtLeast: "count", gen.ShipsTo: "ships to"}
	matched := map[gen.ClauseKind]bool{}
	index := map[string]int{}
	for i, r := range p.Rules {
		index[r.ID] = i
	}
	coupons := 0
	for _, c := range agreementCarts(p) {
		ids, err := walk.Match(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			for _, cl := range p.Rules[index[id]].When {
				matched[cl.Kind] = true
			}
			if len(p.Set.CartRules[index[id]].Coupons) > 0 {
				coupons++
			}
		}
	}
	for k, name := range kinds {
		if !matched[k] {
			t.Errorf("no matching rule has a %s clause", name)
		}
	}
	if coupons == 0 {
		t.Error("no coupon rule matched")
	}
}
