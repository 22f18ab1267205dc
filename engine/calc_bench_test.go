package engine

import (
	"fmt"
	"testing"

	"github.com/ruled/ruled/rules"
)

// BenchmarkCalculate prices a 20-line cart with 10 applied rules of every
// action type, some with step, max_qty, stop, shipping and free shipping.
func BenchmarkCalculate(b *testing.B) {
	items := make([]calcLine, 20)
	for i := range items {
		items[i] = calcLine{price: fmt.Sprintf("%d.%02d", 5+i*7, (i*37)%100), qty: fmt.Sprint(1 + i%5)}
	}
	evens, odds, firstHalf := []int{}, []int{}, []int{}
	for i := range items {
		if i%2 == 0 {
			evens = append(evens, i)
		} else {
			odds = append(odds, i)
		}
		if i < 10 {
			firstHalf = append(firstHalf, i)
		}
	}
	rs := []calcRuleSpec{
		{typ: rules.ByPercent, amount: "10", ship: true},
		{typ: rules.ByFixed, amount: "1.50", items: evens},
		{typ: rules.BuyXGetY, step: "2", amount: "1", items: odds},
		{typ: rules.CartFixed, amount: "25", items: firstHalf},
		{typ: rules.ByPercent, amount: "15.5", step: "2", max: "3"},
		{typ: rules.CartFixed, amount: "40", ship: true},
		{typ: rules.ByFixed, amount: "2", items: odds, stop: true},
		{typ: rules.ByPercent, amount: "5", free: rules.FreeShippingMatching, items: evens},
		{typ: rules.CartFixed, amount: "10", max: "2"},
		{typ: rules.ByPercent, amount: "20", free: rules.FreeShippingShipment, items: []int{19}},
	}
	in := calcBuild("USD", items, rs, "12.50")
	b.ReportAllocs()
	for b.Loop() {
		calculate(in)
	}
}
