package bench

import (
	"os"
	"testing"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

// The demo store's 20-line cart, which wrk.sh posts, is valid for the
// demo rules and gets some of them.
func TestDemoCart(t *testing.T) {
	set, diags := loader.Load("../testdata/demo")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := engine.Compile(set)
	if p == nil {
		t.Fatal(diags)
	}
	body, err := os.ReadFile("testdata/demo-cart-20.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := engine.DecodeCart(body, p.CartDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 20 {
		t.Errorf("%d lines, want 20", len(c.Items))
	}
	res, err := p.Evaluate(c, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AppliedRules) == 0 {
		t.Error("no demo rule applies to the demo cart")
	}
}
