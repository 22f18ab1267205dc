package dsl

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRequiredAudiences(t *testing.T) {
	tests := []struct {
		src  string
		want []int
	}{
		{`audience("VIP Shoppers")`, []int{0}},
		{`audience("Churn Risk", "VIP Shoppers")`, []int{0, 1}},
		{`audience("VIP Shoppers") and cart.subtotal > 10`, []int{0}},
		{`cart.subtotal > 10 and (audience("Churn Risk") or audience("Lapsed Customers"))`, []int{1, 2}},
		{`audience("Churn Risk", "Lapsed Customers") and audience("VIP Shoppers")`, []int{0}},
		{`audience("VIP Shoppers") or cart.subtotal > 10`, nil},
		{`not audience("VIP Shoppers")`, nil},
		{`not not audience("VIP Shoppers")`, nil},
		{`cart.subtotal > 10`, nil},
		{`any(items, item.qty > 1) and (audience("VIP Shoppers") or audience("VIP Shoppers"))`, []int{0}},
	}
	for _, tt := range tests {
		p, errs := Compile(tt.src, Options{Audiences: testAudiences})
		if errs != nil {
			t.Fatalf("%s: %v", tt.src, errs[0])
		}
		var got []int
		if r, ok := p.Requires(); ok {
			got = r.Audiences
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("%s: Requires().Audiences = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// TestConjunctsAgree checks that running a condition's clauses in order,
// stopping at the first false one, gives what the whole condition gives,
// and that membership clauses decided without a program agree with it.
func TestConjunctsAgree(t *testing.T) {
	srcs := []string{
		`cart.subtotal > 100 and audience("VIP Shoppers")`,
		`(cart.subtotal > 100 and shipping.country == "US") and not audience("Churn Risk")`,
		`audience("Churn Risk", "VIP Shoppers") and any(items, "shoes" in item.categories)`,
		`cart.total_qty >= 6 or audience("Lapsed Customers")`,
		`not audience("VIP Shoppers") and coupon == "WELCOME10" and payment.method != "cashondelivery"`,
		`any(items, "shoes" in item.categories and item.qty >= 2) and audience("VIP Shoppers")`,
		`all(items, item.price > 5) and none(items, item.sku == "gc-1")`,
		`any(items, any(items, item.sku starts with "so")) and cart.subtotal > 1`,
		`none(items, item.attributes.brand == "acme")`,
		`sum(filter(items, item.attributes.brand == "acme"), item.row_total) >= 100 and cart.subtotal > 1`,
		`sum(items, item.qty) > 5`, `count(items, "shoes" in item.categories) == 1`, `count(filter(items, item.qty >= 2)) < 2`,
		`sum(filter(items, item.price > 20), item.weight) <= 2.4`,
	}
	aggregates := 0
	lines := 0
	var m Machine
	cache := NewCache(testAudiences)
	for _, src := range srcs {
		p, errs := Compile(src, Options{Audiences: testAudiences, Cache: cache})
		if errs != nil {
			t.Fatalf("%s: %v", src, errs[0])
		}
		for mask := range 8 {
			env := testEnv()
			env.Member = []bool{mask&1 != 0, mask&2 != 0, mask&4 != 0}
			whole, err := m.Eval(p, &env)
			if err != nil {
				t.Fatal(err)
			}
			parts := true
			for _, c := range p.Conjuncts() {
				v, err := m.Eval(c.Program, &env)
				if err != nil {
					t.Fatal(err)
				}
				if c.Quantifier != "" {
					lines++
					n, total := 0, 0
					for _, it := range env.Items {
						le := env
						le.Item = *it
						ok := true
						if c.Lines != nil {
							var err error
							if ok, err = m.Eval(c.Lines, &le); err != nil {
								t.Fatal(err)
							}
						}
						if ok {
							n++
							if c.Field != nil {
								total += c.Field(it)
							}
						}
					}
					q := map[string]bool{"any": n > 0, "all": n == len(env.Items), "none": n == 0}[c.Quantifier]
					if c.Quantifier == "count" || c.Quantifier == "sum" {
						aggregates++
						x := total
						if c.Quantifier == "count" {
							x = n * 10000
						}
						q = map[string]bool{"==": x == c.Value, "<": x < c.Value, "<=": x <= c.Value, ">": x > c.Value, ">=": x >= c.Value}[c.Op]
					}
					if q != v {
						t.Errorf("%s: clause %q over its lines gives %v, program says %v", src, c.Key, q, v)
					}
				}
				if c.Audiences != nil {
					member := slices.ContainsFunc(c.Audiences, func(i int) bool { return env.Member[i] })
					if member != c.Negate != v {
						t.Errorf("%s: clause %q decided %v without its program, program says %v", src, c.Key, member != c.Negate, v)
					}
				}
				if !v {
					parts = false
					break
				}
			}
			if parts != whole {
				t.Errorf("%s with membership %03b: clauses give %v, the condition %v", src, mask, parts, whole)
			}
		}
	}
	if aggregates == 0 {
		t.Error("no clause was read as a count or a sum over lines")
	}
	if lines == 0 {
		t.Error("no clause was read as a question about lines")
	}
	if cache.Len() == 0 {
		t.Error("the cache holds nothing")
	}
}

func TestRequires(t *testing.T) {
	tests := []struct {
		src  string
		item bool
		want *Requirement
	}{
		{`any(items, "Shoes" in item.categories)`, false, &Requirement{Categories: []string{"shoes"}}},
		{`any(items, item.sku in ["B", "a"] and item.qty > 1)`, false, &Requirement{SKUs: []string{"a", "b"}}},
		{`audience("VIP Shoppers") and any(items, "x" in item.categories or "y" in item.categories)`, false, &Requirement{Audiences: []int{0}}},
		{`any(items, "x" in item.categories) or audience("Churn Risk")`, false, &Requirement{Audiences: []int{1}, Categories: []string{"x"}}},
		{`sum(filter(items, "x" in item.categories), item.row_total) >= 100`, false, &Requirement{Categories: []string{"x"}}},
		{`count(items, item.sku == "k") > 0`, false, &Requirement{SKUs: []string{"k"}}},
		{`count(items, item.sku == "k") >= 0`, false, nil},
		{`sum(filter(items, "x" in item.categories), item.row_total) < 100`, false, nil},
		{`all(items, "x" in item.categories)`, false, nil},
		{`none(items, "x" in item.categories)`, false, nil},
		{`any(items, not "x" in item.categories)`, false, nil},
		{`"x" in item.categories and item.price > 5`, true, &Requirement{Categories: []string{"x"}}},
		{`item.categories contains "x" or item.sku == "s"`, true, &Requirement{Categories: []string{"x"}, SKUs: []string{"s"}}},
		{`item.sku != "s"`, true, nil},
		{`any(items, item.attributes.Brand == "Acme")`, false, &Requirement{Attrs: []AttrValue{{"Brand", "acme"}}}},
		{`item.attributes.size == "42"`, true, nil},
	}
	for _, tt := range tests {
		p, errs := Compile(tt.src, Options{Audiences: testAudiences, Item: tt.item})
		if errs != nil {
			t.Fatalf("%s: %v", tt.src, errs[0])
		}
		got, ok := p.Requires()
		if !ok && tt.want != nil || ok && tt.want == nil || ok && !cmp.Equal(got, *tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("%s: Requires = %+v, %v; want %+v", tt.src, got, ok, tt.want)
		}
	}
}

// TestClausesShared checks that a clause recurring across conditions is
// one Conjunct with one Program, kept across caches for the same registry,
// and that a shared clause is a condition of its own: its text, its
// audiences, its explanation.
func TestClausesShared(t *testing.T) {
	cache := NewCache(testAudiences)
	compile := func(c *Cache, src string) *Program {
		t.Helper()
		p, errs := Compile(src, Options{Audiences: testAudiences, Cache: c})
		if errs != nil {
			t.Fatalf("%s: %v", src, errs[0])
		}
		return p
	}
	a := compile(cache, `audience("VIP Shoppers") and cart.subtotal > 100000`)
	b := compile(cache, `cart.subtotal >  100000 and shipping.country == "US" and audience("VIP Shoppers")`)
	if len(a.Conjuncts()) != 2 || len(b.Conjuncts()) != 3 {
		t.Fatalf("clauses: %d and %d, want 2 and 3", len(a.Conjuncts()), len(b.Conjuncts()))
	}
	if a.Conjuncts()[0] != b.Conjuncts()[2] {
		t.Error(`audience("VIP Shoppers") is two clauses`)
	}
	if a.Conjuncts()[1] == b.Conjuncts()[0] {
		t.Error("clauses written differently are one")
	}
	vip := a.Conjuncts()[0].Program
	if got := vip.Source(); got != `audience("VIP Shoppers")` {
		t.Errorf("clause source %q", got)
	}
	if got := vip.Audiences(); !cmp.Equal(got, []int{0}) {
		t.Errorf("clause audiences %v, want [0]", got)
	}
	sub := a.Conjuncts()[1].Program
	env := testEnv()
	env.Member = []bool{true, false, false}
	var m Machine
	if ok, err := m.Eval(sub, &env); err != nil || ok {
		t.Fatalf("%s: %v, %v; want false", sub.Source(), ok, err)
	}
	if x := m.Explain(sub, &env); len(x) != 1 || x[0].Text != "cart.subtotal > 100000" || x[0].Offset != 0 {
		t.Errorf("explain %s: %+v", sub.Source(), x)
	}
	// The next version of the rule set finds it too.
	next := NewCacheFrom(cache, testAudiences)
	c := compile(next, `cart.subtotal > 100000 and audience("VIP Shoppers", "Churn Risk")`)
	next.Detach()
	if c.Conjuncts()[0] != a.Conjuncts()[1] {
		t.Error("a clause of the last version was compiled again")
	}
	// Another registry does not.
	other := NewCacheFrom(cache, testAudiences[:2])
	if d := compile(other, `audience("VIP Shoppers") and cart.subtotal > 100000`); d.Conjuncts()[1] == a.Conjuncts()[1] {
		t.Error("a clause was shared across registries")
	}
}
