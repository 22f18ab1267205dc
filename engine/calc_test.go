package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// calcLine and calcRuleSpec write a calcInput compactly: amounts are decimal strings,
// "" is 0, and items lists the indexes a rule's action selects (nil = all).
type calcLine struct{ price, qty string }

type calcRuleSpec struct {
	typ               rules.ActionType
	amount, max, step string
	ship, stop        bool
	free              rules.FreeShipping
	items             []int
	allItemsMatchNone bool // the action selects no item at all
}

func calcDec(s string) money.Decimal {
	if s == "" {
		return money.Zero
	}
	return money.MustParse(s)
}

func calcBuild(cur string, items []calcLine, rs []calcRuleSpec, shipping string) *calcInput {
	c, ok := money.LookupCurrency(cur)
	if !ok {
		panic(cur)
	}
	in := &calcInput{cur: c, shipping: calcDec(shipping), skips: true}
	for _, it := range items {
		p, q := calcDec(it.price), calcDec(it.qty)
		if it.qty == "" {
			q = money.One
		}
		row := c.Round(p.Mul(q))
		in.items = append(in.items, calcItem{qty: q, price: p, rowTotal: row})
		in.subtotal = in.subtotal.Add(row)
	}
	for k, r := range rs {
		m := make([]bool, len(items))
		for i := range m {
			m[i] = r.items == nil && !r.allItemsMatchNone
		}
		for _, i := range r.items {
			m[i] = true
		}
		free := r.free
		if free == "" {
			free = rules.NoFreeShipping
		}
		in.rules = append(in.rules, calcRule{
			id: fmt.Sprintf("r%d", k),
			action: &rules.Action{
				Type: r.typ, Amount: calcDec(r.amount), MaxQty: calcDec(r.max), Step: calcDec(r.step),
				ApplyToShipping: r.ship, FreeShipping: free,
			},
			stop:    r.stop,
			matches: m,
		})
	}
	return in
}

func calcFormat(cur money.Currency, ds []money.Decimal) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = cur.Format(d)
	}
	return out
}

// calcWant holds what a case asserts; nil fields and "" strings are not checked.
type calcWant struct {
	items     []string // per item discount
	itemRules [][]int  // per item applied rule indexes ([]int{} for none)
	ruleItems []string
	ruleShip  []string
	applied   []bool
	total     string // Σ item discounts + shipping discount
	shipping  string
	stoppedBy *int
	free      *bool
	freeBy    *int
	freeQty   []string
	skips     map[int][]skip // rule index -> skips
}

func calcPtr[T any](v T) *T { return &v }

func calcCheck(t *testing.T, in *calcInput, got *calcResult, w calcWant) {
	t.Helper()
	cur := in.cur
	if w.items != nil {
		if d := cmp.Diff(w.items, calcFormat(cur, got.itemDiscount)); d != "" {
			t.Errorf("item discounts (-want +got):\n%s", d)
		}
	}
	if w.itemRules != nil {
		if d := cmp.Diff(w.itemRules, got.itemRules, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("item rules (-want +got):\n%s", d)
		}
	}
	if w.ruleItems != nil {
		if d := cmp.Diff(w.ruleItems, calcFormat(cur, got.ruleItems)); d != "" {
			t.Errorf("rule item amounts (-want +got):\n%s", d)
		}
	}
	if w.ruleShip != nil {
		if d := cmp.Diff(w.ruleShip, calcFormat(cur, got.ruleShipping)); d != "" {
			t.Errorf("rule shipping amounts (-want +got):\n%s", d)
		}
	}
	if w.applied != nil {
		if d := cmp.Diff(w.applied, got.ruleApplied); d != "" {
			t.Errorf("applied (-want +got):\n%s", d)
		}
	}
	if w.total != "" {
		total := got.shippingDiscount
		for _, d := range got.itemDiscount {
			total = total.Add(d)
		}
		if g := cur.Format(total); g != w.total {
			t.Errorf("total discount = %s, want %s", g, w.total)
		}
	}
	if w.shipping != "" {
		if g := cur.Format(got.shippingDiscount); g != w.shipping {
			t.Errorf("shipping discount = %s, want %s", g, w.shipping)
		}
	}
	if w.stoppedBy != nil && got.shippingStoppedBy != *w.stoppedBy {
		t.Errorf("shippingStoppedBy = %d, want %d", got.shippingStoppedBy, *w.stoppedBy)
	}
	if w.free != nil && got.freeShipping != *w.free {
		t.Errorf("freeShipping = %v, want %v", got.freeShipping, *w.free)
	}
	if w.freeBy != nil && got.freeShippingBy != *w.freeBy {
		t.Errorf("freeShippingBy = %d, want %d", got.freeShippingBy, *w.freeBy)
	}
	if w.freeQty != nil {
		g := make([]string, len(got.itemFreeQty))
		for i, q := range got.itemFreeQty {
			g[i] = q.String()
		}
		if d := cmp.Diff(w.freeQty, g); d != "" {
			t.Errorf("free qty (-want +got):\n%s", d)
		}
	}
	for r, ws := range w.skips {
		if d := cmp.Diff(ws, got.ruleSkips[r], cmp.AllowUnexported(skip{}), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("rule %d skips (-want +got):\n%s", r, d)
		}
	}
	calcCheckInvariants(t, in, got)
}

// checkInvariants asserts what calcResult promises for every input.
func calcCheckInvariants(t *testing.T, in *calcInput, got *calcResult) {
	t.Helper()
	cur := in.cur
	sumItems, sumRules, sumShip := money.Zero, money.Zero, money.Zero
	for i, d := range got.itemDiscount {
		if d.Sign() < 0 || d.Cmp(in.items[i].rowTotal) > 0 || !cur.Fits(d) {
			t.Errorf("item %d discount %s outside [0, %s] or not whole minor units", i, d, in.items[i].rowTotal)
		}
		sumItems = sumItems.Add(d)
	}
	for r := range in.rules {
		if got.ruleItems[r].Sign() < 0 || got.ruleShipping[r].Sign() < 0 {
			t.Errorf("rule %d took a negative amount: items %s, shipping %s", r, got.ruleItems[r], got.ruleShipping[r])
		}
		sumRules = sumRules.Add(got.ruleItems[r])
		sumShip = sumShip.Add(got.ruleShipping[r])
	}
	if !sumItems.Equal(sumRules) {
		t.Errorf("Σ item discounts %s != Σ rule item amounts %s", sumItems, sumRules)
	}
	if !sumShip.Equal(got.shippingDiscount) || got.shippingDiscount.Cmp(in.shipping) > 0 || got.shippingDiscount.Sign() < 0 {
		t.Errorf("shipping discount %s: Σ rules %s, shipping %s", got.shippingDiscount, sumShip, in.shipping)
	}
}

type calcCase struct {
	name     string
	cur      string // "" = USD
	items    []calcLine
	rules    []calcRuleSpec
	shipping string
	want     calcWant
}

func runCalcCases(t *testing.T, cases []calcCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := tc.cur
			if cur == "" {
				cur = "USD"
			}
			in := calcBuild(cur, tc.items, tc.rules, tc.shipping)
			calcCheck(t, in, calculate(in), tc.want)
		})
	}
}

// TestCalcWorkedExamples reproduces the numbers of Magento's own tests
// (CartFixedTest, DiscountTest) and cases derived from its code, with
// ruled's departures of docs/semantics.md §14 (ex10: effective-price
// buy_x_get_y; ex20: no negative increment).
func TestCalcWorkedExamples(t *testing.T) {
	one := func(price string) calcLine { return calcLine{price: price} }
	simples := []calcLine{one("5.99"), one("15.99")}
	pctThenCartFixed := func(p string) []calcRuleSpec {
		return []calcRuleSpec{
			{typ: rules.ByPercent, amount: p},
			{typ: rules.CartFixed, amount: "10", step: "10"},
		}
	}
	both := [][]int{{0, 1}, {0, 1}}
	cases := []calcCase{
		{
			name:  "ex1 cart_fixed 15 over five items with a zero-price last",
			items: []calcLine{one("22"), one("14"), one("43"), one("7.50"), one("0")},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "15", stop: true}},
			want: calcWant{
				items:     []string{"3.82", "2.42", "7.46", "1.30", "0.00"},
				itemRules: [][]int{{0}, {0}, {0}, {0}, {0}},
				ruleItems: []string{"15.00"},
				total:     "15.00",
			},
		},
		{
			name:  "ex2 cart_fixed 15, second data set",
			items: []calcLine{one("47"), one("33"), one("9.50"), one("42"), one("0")},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "15", stop: true}},
			want:  calcWant{items: []string{"5.36", "3.77", "1.08", "4.79", "0.00"}, total: "15.00"},
		},
		{
			name:  "ex3 0% then cart_fixed 10 (step ignored)",
			items: simples, rules: pctThenCartFixed("0"),
			want: calcWant{items: []string{"2.73", "7.27"}, itemRules: both, ruleItems: []string{"0.00", "10.00"}, total: "10.00"},
		},
		{
			name:  "ex4 15.5% then cart_fixed 10",
			items: simples, rules: pctThenCartFixed("15.5"),
			want: calcWant{items: []string{"3.65", "9.76"}, itemRules: both, ruleItems: []string{"3.41", "10.00"}, total: "13.41"},
		},
		{
			name:  "ex5 50% then cart_fixed 10",
			items: simples, rules: pctThenCartFixed("50"),
			want: calcWant{items: []string{"5.72", "15.27"}, itemRules: both, ruleItems: []string{"10.99", "10.00"}, total: "20.99"},
		},
		{
			name:  "ex6 100% then cart_fixed 10",
			items: simples, rules: pctThenCartFixed("100"),
			want: calcWant{items: []string{"5.99", "15.99"}, itemRules: both, ruleItems: []string{"21.98", "0.00"}, applied: []bool{true, true}, total: "21.98"},
		},
		{
			name:  "ex7 percent on one product, cart_fixed on both",
			items: []calcLine{one("10"), one("10")},
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "50", items: []int{0}},
				{typ: rules.CartFixed, amount: "12"},
			},
			want: calcWant{items: []string{"9.00", "8.00"}, itemRules: [][]int{{0, 1}, {1}}, total: "17.00"},
		},
		{
			name:     "ex8 percent and cart_fixed both applied to shipping",
			items:    []calcLine{{"15", "2"}, {"10", "2"}},
			shipping: "20",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "50", ship: true},
				{typ: rules.CartFixed, amount: "40", ship: true},
			},
			want: calcWant{
				items: []string{"30.00", "20.00"}, ruleItems: []string{"25.00", "25.00"},
				ruleShip: []string{"10.00", "10.00"}, shipping: "20.00", total: "70.00",
			},
		},
		{
			name:  "ex9 stop further rules is per item",
			items: []calcLine{one("40"), one("30"), one("20"), one("10")},
			rules: []calcRuleSpec{
				{typ: rules.ByFixed, amount: "10", items: []int{0, 1}},
				{typ: rules.ByFixed, amount: "5", items: []int{1, 2}, stop: true},
				{typ: rules.ByFixed, amount: "2", items: []int{2, 3}},
			},
			want: calcWant{
				items:     []string{"10.00", "15.00", "5.00", "2.00"},
				itemRules: [][]int{{0}, {0, 1}, {1}, {2}},
				applied:   []bool{true, true, true},
				total:     "32.00",
				skips: map[int][]skip{
					1: {{item: 0, reason: skipNotMatched, by: -1}, {item: 3, reason: skipNotMatched, by: -1}},
					2: {{item: 0, reason: skipNotMatched, by: -1}, {item: 1, reason: skipNotMatched, by: -1}, {item: 2, reason: skipStopped, by: 1}},
				},
			},
		},
	}
	ex10 := []calcRuleSpec{
		{typ: rules.ByFixed, amount: "10"},
		{typ: rules.ByPercent, amount: "20", step: "3"},
		{typ: rules.BuyXGetY, step: "5", amount: "3"},
	}
	cases = append(cases,
		calcCase{
			name: "ex10 qty 1", items: []calcLine{{"123", "1"}}, rules: ex10,
			want: calcWant{
				items: []string{"10.00"}, itemRules: [][]int{{0}}, applied: []bool{true, false, false},
				skips: map[int][]skip{1: {{0, skipStepGate, -1}}, 2: {{0, skipStepGate, -1}}},
			},
		},
		calcCase{
			name: "ex10 qty 3", items: []calcLine{{"123", "3"}}, rules: ex10,
			want: calcWant{items: []string{"97.80"}, itemRules: [][]int{{0, 1}}, ruleItems: []string{"30.00", "67.80", "0.00"}},
		},
		calcCase{
			name: "ex10 qty 9 (effective price, docs/semantics.md §5.4)", items: []calcLine{{"123", "9"}}, rules: ex10,
			want: calcWant{items: []string{"564.60"}, itemRules: [][]int{{0, 1, 2}}, ruleItems: []string{"90.00", "203.40", "271.20"}},
		},
		calcCase{
			name: "ex11 cart_fixed ignores step, qty 1", items: []calcLine{{"123", "1"}},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "33", step: "3"}},
			want:  calcWant{items: []string{"33.00"}, itemRules: [][]int{{0}}},
		},
		calcCase{
			name: "ex11 cart_fixed ignores step, qty 5", items: []calcLine{{"123", "5"}},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "33", step: "3"}},
			want:  calcWant{items: []string{"33.00"}, itemRules: [][]int{{0}}},
		},
	)
	for _, c := range []struct{ qty, max, x, y, disc string }{
		{"3", "", "3", "1", "0.00"}, {"4", "", "3", "1", "123.00"}, {"7", "", "3", "1", "123.00"},
		{"8", "", "3", "1", "246.00"}, {"9", "5", "2", "1", "123.00"},
	} {
		w := calcWant{items: []string{c.disc}}
		if c.qty == "3" {
			w.itemRules = [][]int{nil}
			w.applied = []bool{false}
			w.skips = map[int][]skip{0: {{0, skipStepGate, -1}}}
		}
		cases = append(cases, calcCase{
			name:  fmt.Sprintf("ex12 buy %s get %s, qty %s, max %q", c.x, c.y, c.qty, c.max),
			items: []calcLine{{"123", c.qty}},
			rules: []calcRuleSpec{{typ: rules.BuyXGetY, step: c.x, amount: c.y, max: c.max}},
			want:  w,
		})
	}
	byFixedA := calcRuleSpec{typ: rules.ByFixed, amount: "18", items: []int{0}}
	cartFixed10 := calcRuleSpec{typ: rules.CartFixed, amount: "10"}
	cases = append(cases,
		calcCase{
			name: "ex19 by_fixed before cart_fixed", items: []calcLine{one("19"), one("19")},
			rules: []calcRuleSpec{byFixedA, cartFixed10},
			want:  calcWant{items: []string{"18.50", "9.50"}, itemRules: [][]int{{0, 1}, {1}}, total: "28.00"},
		},
		calcCase{
			name: "ex19 cart_fixed before by_fixed", items: []calcLine{one("19"), one("19")},
			rules: []calcRuleSpec{cartFixed10, byFixedA},
			want:  calcWant{items: []string{"19.00", "5.00"}, itemRules: [][]int{{0, 1}, {0}}, total: "24.00"},
		},
		calcCase{
			name: "ex20 negative increment is clamped", items: []calcLine{{"10", "10"}},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "60"}, {typ: rules.ByPercent, amount: "50", max: "1"}},
			want:  calcWant{items: []string{"60.00"}, itemRules: [][]int{{0, 1}}, ruleItems: []string{"60.00", "0.00"}},
		},
		calcCase{
			name: "ex21 percentages compound", items: []calcLine{one("100")},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "5"}, {typ: rules.ByPercent, amount: "10"}},
			want:  calcWant{items: []string{"14.50"}, ruleItems: []string{"5.00", "9.50"}},
		},
		calcCase{
			name: "ex22 percent carry across items", items: []calcLine{one("0.05"), one("0.05"), one("0.05")},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "10"}},
			want:  calcWant{items: []string{"0.01", "0.00", "0.01"}, total: "0.02"},
		},
		calcCase{
			name: "ex22 cart_fixed carry across items", items: []calcLine{one("10"), one("10"), one("10")},
			rules: []calcRuleSpec{cartFixed10},
			want:  calcWant{items: []string{"3.33", "3.34", "3.33"}, total: "10.00"},
		},
		calcCase{
			name: "ex23 shipping percentages compound", items: []calcLine{one("100")}, shipping: "10",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", ship: true, allItemsMatchNone: true},
				{typ: rules.ByPercent, amount: "10", ship: true, allItemsMatchNone: true},
			},
			want: calcWant{
				items: []string{"0.00"}, ruleShip: []string{"1.00", "0.90"}, shipping: "1.90",
				applied: []bool{true, true}, stoppedBy: calcPtr(-1),
			},
		},
		calcCase{
			name: "ex23 by_fixed on shipping once, capped", items: []calcLine{{"100", "4"}}, shipping: "10",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", ship: true, allItemsMatchNone: true},
				{typ: rules.ByPercent, amount: "10", ship: true, allItemsMatchNone: true},
				{typ: rules.ByFixed, amount: "3", ship: true, allItemsMatchNone: true},
				{typ: rules.ByFixed, amount: "7", ship: true, allItemsMatchNone: true},
			},
			want: calcWant{ruleShip: []string{"1.00", "0.90", "3.00", "5.10"}, shipping: "10.00"},
		},
		calcCase{
			name:  "ex24 one eligible item per cart_fixed rule",
			items: []calcLine{{"765", "2"}, {"68", "2"}},
			rules: []calcRuleSpec{
				{typ: rules.CartFixed, amount: "153", items: []int{0}},
				{typ: rules.CartFixed, amount: "14", items: []int{1}},
			},
			want: calcWant{items: []string{"153.00", "14.00"}, itemRules: [][]int{{0}, {1}}, total: "167.00"},
		},
		calcCase{
			name: "ex25 by_percent on what is left", items: []calcLine{{"50", "3"}},
			rules: []calcRuleSpec{{typ: rules.ByFixed, amount: "10", max: "1"}, {typ: rules.ByPercent, amount: "30"}},
			want:  calcWant{items: []string{"52.00"}, ruleItems: []string{"10.00", "42.00"}},
		},
		calcCase{
			name: "ex25 buy 2 get 1, qty 3", items: []calcLine{{"10", "3"}},
			rules: []calcRuleSpec{{typ: rules.BuyXGetY, step: "2", amount: "1"}},
			want:  calcWant{items: []string{"10.00"}},
		},
	)
	// Magento's fixQuantity unit-test table, seen through by_fixed 1 per unit.
	for _, c := range []struct{ step, qty, disc string }{
		{"0", "23", "23.00"}, {"10", "23.5", "20.00"}, {"20", "33", "20.00"}, {"25", "23", "0.00"},
	} {
		cases = append(cases, calcCase{
			name:  fmt.Sprintf("ex25 step %s qty %s", c.step, c.qty),
			items: []calcLine{{"10", c.qty}},
			rules: []calcRuleSpec{{typ: rules.ByFixed, amount: "1", step: c.step}},
			want:  calcWant{items: []string{c.disc}, applied: []bool{c.step != "25"}},
		})
	}
	runCalcCases(t, cases)
}

// TestCalcBehaviour covers what the worked examples leave out.
func TestCalcBehaviour(t *testing.T) {
	one := func(price string) calcLine { return calcLine{price: price} }
	cases := []calcCase{
		{
			name: "JPY rounds to whole yen", cur: "JPY",
			items: []calcLine{one("1000"), one("1000"), one("1000")},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "1000"}},
			want:  calcWant{items: []string{"333", "334", "333"}, total: "1000"},
		},
		{
			name: "JPY percent carry", cur: "JPY",
			items: []calcLine{one("999"), one("999")},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "15"}},
			// 149.85 → 150 (carry −0.15); 149.85 − 0.15 = 149.70 → 150.
			want: calcWant{items: []string{"150", "150"}},
		},
		{
			name: "KWD keeps three digits", cur: "KWD",
			items: []calcLine{one("0.125"), one("0.125"), one("0.125")},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "10"}},
			// 0.0125 → 0.013 (carry −0.0005); 0.012 → 0.012; 0.0125 → 0.013.
			want: calcWant{items: []string{"0.013", "0.012", "0.013"}, total: "0.038"},
		},
		{
			// DeltaPriceRoundTest: [1.005, 1.005] → [1.01, 1.00].
			name:  "cart_fixed carry on exact halves",
			items: []calcLine{one("10"), one("10")},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "2.01"}},
			want:  calcWant{items: []string{"1.01", "1.00"}, total: "2.01"},
		},
		{
			name:  "max_qty limits cart_fixed (issue #29343)",
			items: []calcLine{{"5", "200"}},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "20", max: "1"}},
			want:  calcWant{items: []string{"5.00"}, ruleItems: []string{"5.00"}},
		},
		{
			name:  "cart_fixed larger than the cart is capped, not redistributed",
			items: []calcLine{one("10"), one("25")},
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "50"}},
			want:  calcWant{items: []string{"10.00", "25.00"}, total: "35.00"},
		},
		{
			name:  "cart_fixed after the amount is used up still applies at 0",
			items: []calcLine{one("10"), one("10"), one("10")},
			rules: []calcRuleSpec{
				{typ: rules.CartFixed, amount: "5", items: []int{0, 1}},
				{typ: rules.ByFixed, amount: "1", items: []int{0, 1, 2}},
			},
			want: calcWant{items: []string{"3.50", "3.50", "1.00"}, itemRules: [][]int{{0, 1}, {0, 1}, {1}}},
		},
		{
			// T and the item count are taken before any rule runs, so an item an
			// earlier stop rule keeps away still counts in the base (Magento's
			// initTotals): B gets 10 × 10/20 and is not the rule's last item.
			name:  "cart_fixed base includes an item stopped by an earlier rule",
			items: []calcLine{one("10"), one("10")},
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "0", items: []int{0}, stop: true},
				{typ: rules.CartFixed, amount: "10"},
			},
			want: calcWant{
				items: []string{"0.00", "5.00"}, itemRules: [][]int{{0}, {1}},
				skips: map[int][]skip{1: {{0, skipStopped, 0}}},
			},
		},
		{
			name:  "item order: the first rule's items come first, deciding the last item",
			items: []calcLine{one("10"), one("10"), one("10")},
			// Loop order is 2, 0, 1: item 1 is last and takes what is left.
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "0", items: []int{2}},
				{typ: rules.CartFixed, amount: "10"},
			},
			want: calcWant{items: []string{"3.34", "3.33", "3.33"}},
		},
		{
			name:  "step gate: a line with qty below step is not processed (issue #36756)",
			items: []calcLine{{"10", "3"}, {"10", "4"}},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "10", step: "4", stop: true}, {typ: rules.ByFixed, amount: "1"}},
			want: calcWant{
				items: []string{"3.00", "4.00"}, itemRules: [][]int{{1}, {0}},
				skips: map[int][]skip{0: {{0, skipStepGate, -1}}, 1: {{1, skipStopped, 0}}},
			},
		},
		{
			name:  "zero-price item",
			items: []calcLine{one("0"), one("20")},
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "50"},
				{typ: rules.ByFixed, amount: "5"},
				{typ: rules.CartFixed, amount: "4"},
				{typ: rules.BuyXGetY, step: "1", amount: "1"},
			},
			want: calcWant{items: []string{"0.00", "19.00"}, itemRules: [][]int{{0, 1, 2}, {0, 1, 2}}},
		},
		{
			// Magento's ByFixedTest::testCalculate (app/code/Magento/SalesRule/
			// Test/Unit/Model/Rule/Action/Discount/ByFixedTest.php): a 13 × 9000
			// line already carrying 9100 of discount, then 1000 off with max
			// qty 1, adds 1000: the cap is the whole line less its discount,
			// not the max_qty-limited units (9000 − 9100 < 0).
			name:  "by_fixed caps against the whole line (ByFixedTest)",
			items: []calcLine{{"9000", "13"}},
			rules: []calcRuleSpec{{typ: rules.ByFixed, amount: "700"}, {typ: rules.ByFixed, amount: "1000", max: "1"}},
			want:  calcWant{items: []string{"10100.00"}, ruleItems: []string{"9100.00", "1000.00"}, itemRules: [][]int{{0, 1}}},
		},
		{
			name:  "100% clamps to the row total",
			items: []calcLine{{"3.33", "3"}},
			rules: []calcRuleSpec{{typ: rules.ByPercent, amount: "100"}, {typ: rules.ByFixed, amount: "1"}},
			want:  calcWant{items: []string{"9.99"}, ruleItems: []string{"9.99", "0.00"}, itemRules: [][]int{{0, 1}}},
		},
		{
			name:  "buy 1 get 5: Y > X is allowed (docs/semantics.md §5.4)",
			items: []calcLine{{"10", "6"}, {"10", "4"}, {"10", "1"}},
			rules: []calcRuleSpec{{typ: rules.BuyXGetY, step: "1", amount: "5"}},
			want:  calcWant{items: []string{"50.00", "30.00", "0.00"}, itemRules: [][]int{{0}, {0}, nil}},
		},
		{
			name: "buy_x_get_y discounts shipping by its free units", items: []calcLine{{"10", "4"}, {"10", "4"}},
			shipping: "16",
			rules:    []calcRuleSpec{{typ: rules.BuyXGetY, step: "3", amount: "1", ship: true, items: []int{0}}},
			// 16 / 8 units × 1 free unit.
			want: calcWant{items: []string{"10.00", "0.00"}, shipping: "2.00"},
		},
		{
			name: "cart_fixed on shipping", items: []calcLine{one("30"), one("20")}, shipping: "25",
			rules: []calcRuleSpec{{typ: rules.CartFixed, amount: "15", ship: true}},
			// items: 15 × 30/75, 15 × 20/75; shipping 15 × 25/75.
			want: calcWant{items: []string{"6.00", "4.00"}, shipping: "5.00", total: "15.00"},
		},
	}
	runCalcCases(t, cases)
}

func TestCalcShippingStop(t *testing.T) {
	items := []calcLine{{"10", "1"}, {"20", "1"}}
	cases := []calcCase{
		{
			name: "applied stop rule without apply_to_shipping ends the loop (PR #40869)", items: items, shipping: "10",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", items: []int{0}, stop: true},
				{typ: rules.ByFixed, amount: "5", ship: true},
			},
			want: calcWant{
				shipping: "0.00", stoppedBy: calcPtr(0), ruleShip: []string{"0.00", "0.00"},
				items: []string{"1.00", "5.00"}, applied: []bool{true, true},
			},
		},
		{
			name: "stop rule that applied nowhere does not end the loop", items: items, shipping: "10",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", allItemsMatchNone: true, stop: true},
				{typ: rules.ByFixed, amount: "5", ship: true},
			},
			want: calcWant{shipping: "5.00", stoppedBy: calcPtr(-1), applied: []bool{false, true}},
		},
		{
			name: "stop rule applied to shipping only ends the loop after itself", items: items, shipping: "10",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", ship: true, allItemsMatchNone: true, stop: true},
				{typ: rules.ByFixed, amount: "5", ship: true},
			},
			want: calcWant{shipping: "1.00", stoppedBy: calcPtr(0), ruleShip: []string{"1.00", "0.00"}, applied: []bool{true, true}},
		},
		{
			name: "no shipping amount: no shipping loop", items: items,
			rules: []calcRuleSpec{{typ: rules.ByFixed, amount: "5", ship: true, allItemsMatchNone: true, stop: true}},
			want:  calcWant{shipping: "0.00", stoppedBy: calcPtr(-1), applied: []bool{false}},
		},
	}
	runCalcCases(t, cases)
}

func TestCalcFreeShipping(t *testing.T) {
	items := []calcLine{{"10", "3"}, {"20", "5"}}
	cases := []calcCase{
		{
			name: "matching_items on one line", items: items, shipping: "8",
			rules: []calcRuleSpec{{typ: rules.ByPercent, free: rules.FreeShippingMatching, items: []int{0}}},
			want: calcWant{
				free: calcPtr(false), freeBy: calcPtr(-1), freeQty: []string{"3", "0"},
				shipping: "0.00", applied: []bool{true},
			},
		},
		{
			name: "matching_items with max_qty frees that many units", items: items, shipping: "8",
			rules: []calcRuleSpec{{typ: rules.ByPercent, free: rules.FreeShippingMatching, max: "2"}},
			want:  calcWant{free: calcPtr(false), freeQty: []string{"2", "2"}, shipping: "0.00"},
		},
		{
			name: "matching_items on every line frees the shipment", items: items, shipping: "8",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", ship: true},
				{typ: rules.ByFixed, free: rules.FreeShippingMatching, items: []int{1}},
				{typ: rules.ByFixed, free: rules.FreeShippingMatching, items: []int{0}},
			},
			want: calcWant{
				free: calcPtr(true), freeBy: calcPtr(1), freeQty: []string{"3", "5"},
				shipping: "8.00", ruleShip: []string{"0.80", "7.20", "0.00"},
			},
		},
		{
			name: "shipment mode", items: items, shipping: "8",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "10", ship: true},
				{typ: rules.ByPercent, free: rules.FreeShippingShipment, items: []int{1}},
			},
			want: calcWant{
				free: calcPtr(true), freeBy: calcPtr(1), freeQty: []string{"0", "0"},
				shipping: "8.00", ruleShip: []string{"0.80", "7.20"}, applied: []bool{true, true},
			},
		},
		{
			name: "a matching stop rule ends the pass for that item", items: items, shipping: "8",
			rules: []calcRuleSpec{
				{typ: rules.ByPercent, amount: "0", items: []int{0}, stop: true},
				{typ: rules.ByPercent, free: rules.FreeShippingShipment, items: []int{0}},
				{typ: rules.ByPercent, free: rules.FreeShippingMatching},
			},
			want: calcWant{
				free: calcPtr(false), freeBy: calcPtr(-1), freeQty: []string{"0", "5"},
				applied: []bool{true, false, true}, shipping: "0.00",
			},
		},
		{
			name: "free shipping without a shipping amount", items: items,
			rules: []calcRuleSpec{{typ: rules.ByPercent, free: rules.FreeShippingShipment, allItemsMatchNone: true}, {typ: rules.ByPercent, free: rules.FreeShippingShipment}},
			want:  calcWant{free: calcPtr(true), freeBy: calcPtr(1), shipping: "0.00", applied: []bool{false, true}},
		},
	}
	runCalcCases(t, cases)
}

// TestCalcProperties runs random carts and rules through calculate and checks
// the invariants calcResult documents, plus determinism.
func TestCalcProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []rules.ActionType{rules.ByPercent, rules.ByFixed, rules.CartFixed, rules.BuyXGetY}
	frees := []rules.FreeShipping{rules.NoFreeShipping, rules.NoFreeShipping, rules.FreeShippingMatching, rules.FreeShippingShipment}
	curs := []string{"USD", "USD", "JPY", "KWD"}
	amount := func(digits int32, max int64) string {
		return money.New(rng.Int64N(max*calcPow10(digits)+1), -digits).String()
	}
	for n := range 400 {
		cur := curs[rng.IntN(len(curs))]
		c, _ := money.LookupCurrency(cur)
		items := make([]calcLine, 1+rng.IntN(6))
		for i := range items {
			qty := fmt.Sprint(1 + rng.IntN(12))
			if rng.IntN(5) == 0 {
				qty = money.New(1+rng.Int64N(5000), -3).String() // sold by weight
			}
			items[i] = calcLine{price: amount(c.Digits, 200), qty: qty}
		}
		rs := make([]calcRuleSpec, 1+rng.IntN(6))
		for k := range rs {
			r := calcRuleSpec{
				typ:  types[rng.IntN(len(types))],
				ship: rng.IntN(3) == 0,
				stop: rng.IntN(4) == 0,
				free: frees[rng.IntN(len(frees))],
			}
			switch r.typ {
			case rules.ByPercent:
				r.amount = money.New(rng.Int64N(10001), -2).String()
			case rules.BuyXGetY:
				r.amount = fmt.Sprint(1 + rng.IntN(4))
			default:
				r.amount = amount(c.Digits, 150)
			}
			if r.typ == rules.BuyXGetY || rng.IntN(3) == 0 {
				r.step = fmt.Sprint(1 + rng.IntN(4))
			}
			if rng.IntN(3) == 0 {
				r.max = fmt.Sprint(1 + rng.IntN(5))
			}
			if rng.IntN(2) == 0 {
				r.items = []int{}
				for i := range items {
					if rng.IntN(2) == 0 {
						r.items = append(r.items, i)
					}
				}
				r.allItemsMatchNone = len(r.items) == 0
			}
			rs[k] = r
		}
		shipping := ""
		if rng.IntN(2) == 0 {
			shipping = amount(c.Digits, 30)
		}
		in := calcBuild(cur, items, rs, shipping)
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			got := calculate(in)
			calcCheckInvariants(t, in, got)
			again := calculate(in)
			if d := cmp.Diff(calcFormat(c, got.itemDiscount), calcFormat(c, again.itemDiscount)); d != "" {
				t.Errorf("not deterministic (-first +second):\n%s", d)
			}
			for i, rs := range got.itemRules {
				for k, r := range rs {
					if !in.matched(r, i) || (k > 0 && rs[k-1] >= r) {
						t.Errorf("item %d: rules %v not matched or not in order", i, rs)
					}
					if in.rules[r].stop && k != len(rs)-1 {
						t.Errorf("item %d: rule %d has stop but later rules applied: %v", i, r, rs)
					}
				}
			}
		})
	}
}

func calcPow10(d int32) int64 {
	p := int64(1)
	for range d {
		p *= 10
	}
	return p
}
