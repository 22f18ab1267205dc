package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// benchSet generates n realistic rules over 50 audiences and 10
// categories: most are targeted (an audience or a customer group), about a
// third filter lines, and every action type appears.
func benchSet(n int) *rules.Set {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	set := &rules.Set{Config: rules.Config{Currency: "USD"}}
	for i := range 50 {
		set.Audiences = append(set.Audiences, rules.Audience{ID: fmt.Sprintf("seg-%03d", i), Name: fmt.Sprintf("Audience %d", i)})
	}
	types := []rules.ActionType{rules.ByPercent, rules.ByPercent, rules.ByFixed, rules.CartFixed, rules.BuyXGetY}
	for i := range n {
		cr := rules.CartRule{ID: fmt.Sprintf("rule-%04d", i), Name: fmt.Sprintf("Rule %d", i), Enabled: true, Priority: r.IntN(100)}
		var conds []string
		switch r.IntN(4) {
		case 0:
			conds = append(conds, fmt.Sprintf(`audience("Audience %d")`, r.IntN(50)))
		case 1:
			conds = append(conds, fmt.Sprintf(`not audience("Audience %d")`, r.IntN(50)))
		case 2:
			cr.CustomerGroups = []string{"general", "vip"}
		}
		switch r.IntN(5) {
		case 0:
			conds = append(conds, fmt.Sprintf(`cart.subtotal >= %d`, 50+r.IntN(500)))
		case 1:
			conds = append(conds, fmt.Sprintf(`any(items, "cat-%d" in item.categories and item.qty >= 2)`, r.IntN(10)))
		case 2:
			conds = append(conds, fmt.Sprintf(`sum(filter(items, item.attributes.brand == "brand-%d"), item.row_total) > 100`, r.IntN(5)))
		case 3:
			conds = append(conds, `shipping.country in ["US", "CA"] and payment.method != "cashondelivery"`)
		}
		cr.When = rules.Expr{Text: strings.Join(conds, " and ")}
		t := types[r.IntN(len(types))]
		cr.Action = rules.Action{Type: t, Amount: money.FromInt(int64(1 + r.IntN(30)))}
		if t == rules.BuyXGetY {
			cr.Action.Amount, cr.Action.Step = money.One, money.FromInt(2)
		}
		if r.IntN(3) == 0 {
			cr.Action.Items = rules.Expr{Text: fmt.Sprintf(`"cat-%d" in item.categories`, r.IntN(10))}
		}
		cr.StopFurtherRules = r.IntN(20) == 0
		set.CartRules = append(set.CartRules, cr)
	}
	return set
}

// benchCart is a 20-line cart whose shopper is in 10 of the 50 audiences.
func benchCart() *Cart {
	usd, _ := money.LookupCurrency("USD")
	c := &Cart{Currency: usd, Customer: Customer{Group: "general"},
		Shipping: Shipping{Amount: money.MustParse("9.95"), Country: "US", Method: "flatrate_flatrate"}, Payment: Payment{Method: "checkmo"}}
	for i := range 10 {
		c.Segments = append(c.Segments, fmt.Sprintf("seg-%03d", i*5))
	}
	for i := range 20 {
		c.Items = append(c.Items, Item{
			SKU: fmt.Sprintf("SKU-%02d", i), Name: fmt.Sprintf("Product %d", i),
			Qty: money.FromInt(int64(1 + i%4)), Price: money.New(int64(999+i*250), -2), Weight: money.MustParse("0.5"),
			Categories: []string{fmt.Sprintf("cat-%d", i%10), "all"},
			Attributes: Attrs{{Name: "brand", Attr: Attr{Str: fmt.Sprintf("brand-%d", i%5)}}},
		})
	}
	return c
}

func benchmarkEvaluate(b *testing.B, n int) {
	p, diags := Compile(benchSet(n))
	if p == nil {
		b.Fatal(diags)
	}
	c := benchCart()
	res, err := p.Evaluate(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(res.AppliedRules)), "applied/op")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Evaluate(c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate100Rules(b *testing.B)  { benchmarkEvaluate(b, 100) }
func BenchmarkEvaluate1000Rules(b *testing.B) { benchmarkEvaluate(b, 1000) }

// BenchmarkCompile1000Rules is the cost of a reload of 1,000 rules.
func BenchmarkCompile1000Rules(b *testing.B) {
	set := benchSet(1000)
	b.ReportAllocs()
	for b.Loop() {
		if p, diags := Compile(set); p == nil {
			b.Fatal(diags)
		}
	}
}

// BenchmarkEvaluatePlain1000Rules walks every rule (the oracle, and what
// an evaluation with Explain does), for comparison with the index.
func BenchmarkEvaluatePlain1000Rules(b *testing.B) {
	p, diags := Compile(benchSet(1000))
	if p == nil {
		b.Fatal(diags)
	}
	c := benchCart()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.evaluatePlain(c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
