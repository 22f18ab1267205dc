package dsl

import (
	"strings"
	"testing"
)

// FuzzFormatCondition checks that the canonical form of a condition means
// what the condition means: it parses, is its own canonical form, and
// compiles to the same code (or fails the same way).
func FuzzFormatCondition(f *testing.F) {
	for _, s := range []string{
		`audience("VIP Shoppers")`,
		`not audience("Churn Risk") and cart.subtotal >= 100`,
		`customer.group in ["general", "wholesale"] and shipping.country == "US"`,
		`sum(filter(items, "socks" in item.categories), item.qty) >= 3`,
		`item.sku in ["p1", "p2"] and item.attributes.color contains "red"`,
		`!(a.b) || c.d && 'x' NOT IN e.f`, `x.y > - 1.5`, "a.b # c\n and c.d", `shipping.postcode STARTS WITH "9"`,
		`(website == "base" and sum(filter(items, item.attributes.brand == "Summit Peak"), item.row_total) > 200) or (website == "ca" and sum(filter(items, item.attributes.brand == "Summit Peak"), item.row_total) > 275)`,
	} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, src string, col int) {
		lines, err := FormatCondition(src, col%120)
		if err != nil {
			return
		}
		out := strings.Join(lines, "\n")
		if _, err := Parse(out); err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", out, src, err)
		}
		if !EqualConditions(src, out) {
			t.Fatalf("canonical form %q of %q is another condition", out, src)
		}
		again, _ := FormatCondition(out, col%120)
		if strings.Join(again, "\n") != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		for _, item := range []bool{false, true} {
			p, errs := Compile(src, Options{Audiences: testAudiences, Item: item})
			q, errs2 := Compile(out, Options{Audiences: testAudiences, Item: item})
			switch {
			case (p == nil) != (q == nil) || len(errs) != len(errs2):
				t.Fatalf("%q compiles (%v) and %q compiles (%v)", src, errs, out, errs2)
			case p != nil && p.Code() != q.Code():
				t.Fatalf("%q and %q lower to different code:\n%s\n%s", src, out, p.Code(), q.Code())
			}
		}
	})
}
