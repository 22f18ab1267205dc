package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// merchantSet generates n rules the way a large merchant's project looks:
// 1,000 audiences and 70% of rules gated by one (some by either of two,
// some excluding one), 15% coupon rules, most rules dated (past, current
// and future campaigns), conditions on subtotal and quantity from a few
// thresholds, item conditions over 100 categories and 20 brands, and every
// action. Identical clauses and item predicates repeat across rules, as
// they do in real projects.
func merchantSet(n int) *rules.Set {
	r := rand.New(rand.NewPCG(11, uint64(n)))
	set := &rules.Set{Config: rules.Config{Currency: "USD", Timezone: "America/New_York"}}
	for i := range 1000 {
		set.Audiences = append(set.Audiences, rules.Audience{ID: fmt.Sprintf("seg-%04d", i), Name: fmt.Sprintf("Audience %d", i)})
	}
	day := func(offset int) rules.Bound {
		d := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).AddDate(0, 0, offset)
		return rules.Bound{Date: rules.DateOf(d, time.UTC)}
	}
	types := []rules.ActionType{rules.ByPercent, rules.ByPercent, rules.ByFixed, rules.CartFixed, rules.BuyXGetY}
	for i := range n {
		cr := rules.CartRule{ID: fmt.Sprintf("rule-%05d", i), Name: fmt.Sprintf("Rule %d", i), Enabled: r.IntN(20) != 0, Priority: r.IntN(10)}
		var conds []string
		switch x := r.IntN(100); {
		case x < 60:
			conds = append(conds, fmt.Sprintf(`audience("Audience %d")`, r.IntN(1000)))
		case x < 66:
			conds = append(conds, fmt.Sprintf(`(audience("Audience %d") or audience("Audience %d"))`, r.IntN(1000), r.IntN(1000)))
		case x < 70:
			conds = append(conds, fmt.Sprintf(`audience("Audience %d") and not audience("Audience %d")`, r.IntN(1000), r.IntN(1000)))
		case x < 75:
			conds = append(conds, fmt.Sprintf(`not audience("Audience %d")`, r.IntN(1000)))
		case x < 82:
			cr.CustomerGroups = []string{[]string{"wholesale", "vip", "retailer"}[r.IntN(3)]}
		}
		if r.IntN(100) < 15 {
			cr.Coupons = []string{fmt.Sprintf("CODE%04d", r.IntN(n/4+1))}
		}
		switch r.IntN(6) {
		case 0:
			conds = append(conds, fmt.Sprintf(`cart.subtotal >= %d`, []int{50, 75, 100, 150, 200, 300, 500}[r.IntN(7)]))
		case 1:
			conds = append(conds, fmt.Sprintf(`cart.total_qty >= %d`, 2+r.IntN(5)))
		case 2:
			conds = append(conds, fmt.Sprintf(`any(items, "cat-%d" in item.categories)`, r.IntN(100)))
		case 3:
			conds = append(conds, fmt.Sprintf(`sum(filter(items, item.attributes.brand == "brand-%d"), item.row_total) >= 100`, r.IntN(20)))
		case 4:
			conds = append(conds, `shipping.country in ["US", "CA"]`)
		}
		cr.When = rules.Expr{Text: strings.Join(conds, " and ")}
		// Campaign windows: 40% always on; the rest over the past and
		// coming year, so about one in seven of them runs today.
		if r.IntN(10) >= 4 {
			start := r.IntN(400) - 300
			cr.From, cr.To = day(start), day(start+7+r.IntN(45))
		}
		t := types[r.IntN(len(types))]
		cr.Action = rules.Action{Type: t, Amount: money.FromInt(int64(1 + r.IntN(30)))}
		switch t {
		case rules.BuyXGetY:
			cr.Action.Amount, cr.Action.Step = money.One, money.FromInt(int64(1+r.IntN(3)))
		case rules.ByPercent, rules.ByFixed:
			if r.IntN(4) == 0 {
				cr.Action.MaxQty = money.FromInt(int64(1 + r.IntN(4)))
			}
		}
		cr.Action.ApplyToShipping = r.IntN(10) == 0
		if r.IntN(20) == 0 {
			cr.Action.FreeShipping = rules.FreeShippingMatching
		}
		switch r.IntN(4) {
		case 0:
			cr.Action.Items = rules.Expr{Text: fmt.Sprintf(`"cat-%d" in item.categories`, r.IntN(100))}
		case 1:
			cr.Action.Items = rules.Expr{Text: fmt.Sprintf(`item.attributes.brand == "brand-%d"`, r.IntN(20))}
		}
		cr.StopFurtherRules = r.IntN(25) == 0
		set.CartRules = append(set.CartRules, cr)
	}
	return set
}

// merchantCart is a 20-line cart over 10 categories and 5 brands whose
// shopper is in 10 of the 1,000 audiences, on 2026-11-20.
func merchantCart() *Cart {
	usd, _ := money.LookupCurrency("USD")
	c := &Cart{Currency: usd, Now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), Customer: Customer{ID: "c-1", Group: "general"},
		Shipping: Shipping{Amount: money.MustParse("9.95"), Country: "US", Method: "flatrate_flatrate"}, Payment: Payment{Method: "checkmo"}}
	for i := range 10 {
		c.Segments = append(c.Segments, fmt.Sprintf("seg-%04d", i*97))
	}
	for i := range 20 {
		c.Items = append(c.Items, Item{
			SKU: fmt.Sprintf("SKU-%02d", i), Name: fmt.Sprintf("Product %d", i),
			Qty: money.FromInt(int64(1 + i%4)), Price: money.New(int64(999+i*250), -2), Weight: money.MustParse("0.5"),
			Categories: []string{fmt.Sprintf("cat-%d", i%10*7), "all"},
			Attributes: Attrs{{Name: "brand", Attr: Attr{Str: fmt.Sprintf("brand-%d", i%5)}}},
		})
	}
	return c
}

func benchmarkMerchant(b *testing.B, n int, plain bool) {
	p, diags := Compile(merchantSet(n))
	if p == nil {
		b.Fatal(diags)
	}
	c := merchantCart()
	eval := p.evaluateIndexed
	if plain {
		eval = p.evaluatePlain
	}
	res, err := eval(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	runtime.GC() // the compile's garbage is not the evaluations' cost
	cpu := cpuTime()
	for b.Loop() {
		if _, err := eval(c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(res.AppliedRules)), "applied/op")
}

// cpuTime is the CPU time the process has used, in nanoseconds: on a
// machine shared with other work, CPU time per operation is steadier than
// wall time.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkMerchant100(b *testing.B)        { benchmarkMerchant(b, 100, false) }
func BenchmarkMerchant1000(b *testing.B)       { benchmarkMerchant(b, 1000, false) }
func BenchmarkMerchant10000(b *testing.B)      { benchmarkMerchant(b, 10000, false) }
func BenchmarkMerchantPlain10000(b *testing.B) { benchmarkMerchant(b, 10000, true) }

// BenchmarkMerchantCompile10000 is a full compile of 10,000 rules.
func BenchmarkMerchantCompile10000(b *testing.B) {
	set := merchantSet(10000)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if p, diags := Compile(set); p == nil {
			b.Fatal(diags)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkMerchantRecompile10000 is a reload of 10,000 rules after one
// rule changed: the Compiler reuses every other condition.
func BenchmarkMerchantRecompile10000(b *testing.B) {
	set := merchantSet(10000)
	var c Compiler
	if p, diags := c.Compile(set); p == nil {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	k := 0
	for b.Loop() {
		k++
		set.CartRules[k%len(set.CartRules)].When.Text = fmt.Sprintf("cart.subtotal >= %d", 1000+k)
		if p, diags := c.Compile(set); p == nil {
			b.Fatal(diags)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func TestMerchantAgrees(t *testing.T) {
	p := mustCompile(t, merchantSet(3000))
	c := merchantCart()
	agree(t, p, c, Options{})
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		c := merchantCart()
		c.Segments = nil
		for range 10 {
			c.Segments = append(c.Segments, fmt.Sprintf("seg-%04d", r.IntN(1000)))
		}
		c.Now = c.Now.AddDate(0, 0, r.IntN(200)-100)
		if r.IntN(3) == 0 {
			c.CouponCode = fmt.Sprintf("code%04d", r.IntN(700))
		}
		agree(t, p, c, Options{})
	}
}
