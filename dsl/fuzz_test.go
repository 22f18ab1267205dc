package dsl

import "testing"

// compileSeeds are conditions of every shape, valid and not.
var compileSeeds = []string{
	`audience("VIP Shoppers")`,
	`not audience("Churn Risk") and cart.subtotal >= 100`,
	`customer.group in ["general", "wholesale"] and shipping.country == "US"`,
	`sum(filter(items, "socks" in item.categories), item.qty) >= 3`,
	`item.sku in ["p1", "p2"] and item.attributes.color contains "red"`,
	`any(items, any(items, item.qty > 1))`, `count(items) == 3`, `((((`, `"`, `a.b.c.d`,
	`shipping.postcode starts with "9" or item.attributes.size >= -1.5`,
}

// FuzzCompile checks that no input makes the parser, the checker or the
// compiler panic, that errors always carry an offset inside the text, and
// that whatever compiles also runs.
func FuzzCompile(f *testing.F) {
	for _, s := range compileSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	env := testEnv()
	env.Item = *env.Items[0]
	var boxed any = env
	var m Machine
	f.Fuzz(func(t *testing.T, src string, item bool) {
		p, errs := Compile(src, Options{Audiences: testAudiences, Item: item})
		for _, e := range errs {
			if e.Offset < 0 || e.Offset > len(src) {
				t.Fatalf("error offset %d outside 0..%d: %v", e.Offset, len(src), e)
			}
			if e.Msg == "" {
				t.Fatal("error without a message")
			}
		}
		if p == nil {
			if len(errs) == 0 {
				t.Fatal("no program and no error")
			}
			return
		}
		if _, err := m.Eval(p, boxed); err != nil {
			t.Logf("eval error (allowed): %v", err)
		}
		_ = m.Explain(p, boxed)
	})
}
