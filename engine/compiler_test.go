package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ruled/ruled/rules"
)

// TestCompilerReusesOnlyWhatIsTheSame recompiles changed versions of a rule
// set through one Compiler (changed conditions, then a changed audience
// registry, which moves audience indexes) and requires every program to
// price carts exactly as a fresh compile of the same version does.
func TestCompilerReusesOnlyWhatIsTheSame(t *testing.T) {
	set := merchantSet(400)
	var c Compiler
	versions := []func(s *rules.Set){
		func(s *rules.Set) {},
		func(s *rules.Set) {
			s.CartRules[3].When.Text = "cart.subtotal >= 1"
			s.CartRules[7].Action.Items.Text = `"cat-1" in item.categories`
		},
		func(s *rules.Set) {
			// Reversing the registry keeps names but moves every index.
			for i, j := 0, len(s.Audiences)-1; i < j; i, j = i+1, j-1 {
				s.Audiences[i], s.Audiences[j] = s.Audiences[j], s.Audiences[i]
			}
		},
		func(s *rules.Set) { s.Audiences = s.Audiences[:999] },
	}
	for k, change := range versions {
		change(set)
		got, diags := c.Compile(set)
		want, wdiags := Compile(set)
		if d := cmp.Diff(fmt.Sprint(wdiags), fmt.Sprint(diags)); d != "" {
			t.Fatalf("version %d: diagnostics differ (-fresh +compiler):\n%s", k, d)
		}
		if want == nil {
			continue
		}
		for i := range 30 {
			cart := merchantCart()
			cart.Segments = nil
			for j := range 40 {
				cart.Segments = append(cart.Segments, fmt.Sprintf("seg-%04d", (i*131+j*17)%1000))
			}
			a, _ := want.Evaluate(cart, Options{})
			b, _ := got.Evaluate(cart, Options{})
			if d := cmp.Diff(a, b); d != "" {
				t.Fatalf("version %d, cart %d: the recompiled program differs (-fresh +compiler):\n%s", k, i, d)
			}
		}
	}
}

// TestCompilerRandomEdits recompiles a random project through one
// Compiler after each of many random edits (a condition or action.items
// rewritten, often to another rule's text, so that conditions and clauses
// of earlier versions come back; rules removed and copied; a broken
// condition; the registry changed) and requires each program to give what
// a fresh compile of the same version gives: the same diagnostics, and for
// random carts the same results, explanations included.
func TestCompilerRandomEdits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 17))
	d := randomProject(r, 120)
	set := d.set
	var c Compiler
	edits := 30
	if testing.Short() {
		edits = 10
	}
	for k := range edits {
		// Each version is a new Set, as the loader gives: the last one is
		// still the program in service.
		next := *set
		next.CartRules = slices.Clone(set.CartRules)
		next.Audiences = slices.Clone(set.Audiences)
		rs := next.CartRules
		what := ""
		switch x := r.IntN(10); {
		case x < 4:
			i, j := r.IntN(len(rs)), r.IntN(len(rs))
			rs[i].When = rs[j].When
			what = fmt.Sprintf("rule %d takes the condition of rule %d", i, j)
		case x < 5:
			i, j := r.IntN(len(rs)), r.IntN(len(rs))
			rs[i].Action.Items = rs[j].Action.Items
			what = fmt.Sprintf("rule %d takes the action.items of rule %d", i, j)
		case x < 6:
			i, j := r.IntN(len(rs)), r.IntN(len(rs))
			if rs[i].When.Text != "" && rs[j].When.Text != "" {
				rs[i].When = rules.Expr{Text: rs[j].When.Text + " and " + rs[i].When.Text}
			}
			what = fmt.Sprintf("rule %d adds the condition of rule %d", i, j)
		case x < 7:
			i := r.IntN(len(rs))
			next.CartRules = slices.Delete(rs, i, i+1)
			what = fmt.Sprintf("rule %d removed", i)
		case x < 8:
			cp := rs[r.IntN(len(rs))]
			cp.ID = fmt.Sprintf("copy-%d", k)
			next.CartRules = append(rs, cp)
			what = "a rule copied"
		case x < 9:
			i := r.IntN(len(rs))
			rs[i].When = rules.Expr{Text: `audience("no such audience") and cart.subtotal >`}
			what = fmt.Sprintf("rule %d broken", i)
		default:
			i, j := r.IntN(len(next.Audiences)), r.IntN(len(next.Audiences))
			next.Audiences[i], next.Audiences[j] = next.Audiences[j], next.Audiences[i]
			what = "the registry reordered"
		}
		got, diags := c.Compile(&next)
		want, wdiags := Compile(&next)
		if diff := cmp.Diff(fmt.Sprint(wdiags), fmt.Sprint(diags)); diff != "" {
			t.Fatalf("edit %d (%s): diagnostics differ (-fresh +compiler):\n%s", k, what, diff)
		}
		if want == nil {
			// A broken version is not kept: the next edit starts again
			// from the last good one, as a server keeps its rules.
			continue
		}
		set = &next
		for range 12 {
			cart := randomCart(r, set, d, nil)
			for _, opt := range []Options{{}, {Explain: true}} {
				a, aerr := want.Evaluate(cart, opt)
				b, berr := got.Evaluate(cart, opt)
				if fmt.Sprint(aerr) != fmt.Sprint(berr) {
					t.Fatalf("edit %d (%s): errors differ: fresh %v, compiler %v", k, what, aerr, berr)
				}
				if diff := cmp.Diff(a, b); diff != "" {
					t.Fatalf("edit %d (%s), explain %v: the recompiled program differs (-fresh +compiler):\n%s", k, what, opt.Explain, diff)
				}
			}
		}
	}
}
