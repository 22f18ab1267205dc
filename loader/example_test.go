package loader_test

import (
	"fmt"
	"os"
	"testing/fstest"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/loader"
)

func ExampleLoadFS() {
	fsys := fstest.MapFS{
		"promos/summer.yaml": {Data: []byte(`cart_rules:
  - id: summer-10
    name: Summer sale
    priorty: 5
    when: cart.subtotal >= 50
    action: {type: by_percent, amount: 10}
`)},
	}
	set, diags := loader.LoadFS(fsys, "rules")
	fmt.Println(len(set.CartRules), "rule:", set.CartRules[0].ID, "when", set.CartRules[0].When.Text)
	diag.Fprint(os.Stdout, diags)
	// Output:
	// 1 rule: summer-10 when cart.subtotal >= 50
	// rules/promos/summer.yaml:4:5: unknown key "priorty" in cart rule; did you mean "priority"? allowed: id, name, label, enabled, websites, customer_groups, from, to, priority, stop_further_rules, coupon, uses_per_coupon, uses_per_customer, budget, when, action
	//         priorty: 5
	//         ^
}
