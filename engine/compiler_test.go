package engine

import (
	"fmt"
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
