package engine_test

// Minimising a failing case, and writing it as a Go literal for the
// regression table (model_regress_test.go).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// minimiseCase shrinks a failing case greedily: fewer rules, fewer lines,
// fewer options, simpler numbers, as long as it still fails.
func minimiseCase(c modelCase, fails func(modelCase) bool) modelCase {
	for changed := true; changed; {
		changed = false
		for _, edit := range shrinkEdits(c) {
			n := c.clone()
			if !edit(&n) {
				continue
			}
			if fails(n) {
				c, changed = n, true
				break
			}
		}
	}
	return c
}

// shrinkEdits lists the one-step simplifications of c; each returns false
// when it would change nothing.
func shrinkEdits(c modelCase) []func(*modelCase) bool {
	var edits []func(*modelCase) bool
	for i := range c.set.CartRules {
		edits = append(edits, func(n *modelCase) bool {
			n.set.CartRules = slices.Delete(n.set.CartRules, i, i+1)
			return true
		})
	}
	for i := range c.cart.Items {
		if len(c.cart.Items) > 1 {
			edits = append(edits, func(n *modelCase) bool {
				n.cart.Items = slices.Delete(n.cart.Items, i, i+1)
				return true
			})
		}
	}
	set := func(f func(n *modelCase) bool) { edits = append(edits, f) }
	for i := range c.set.CartRules {
		rule := func(f func(r *rules.CartRule) bool) {
			set(func(n *modelCase) bool { return f(&n.set.CartRules[i]) })
		}
		rule(func(r *rules.CartRule) bool {
			r.When, r.Action.Items = rules.Expr{}, rules.Expr{}
			return c.set.CartRules[i].When.Text != "" || c.set.CartRules[i].Action.Items.Text != ""
		})
		rule(func(r *rules.CartRule) bool { old := r.When.Text; r.When = rules.Expr{}; return old != "" })
		rule(func(r *rules.CartRule) bool {
			old := r.Action.Items.Text
			r.Action.Items = rules.Expr{}
			return old != ""
		})
		rule(func(r *rules.CartRule) bool { old := r.Priority; r.Priority = 0; return old != 0 })
		rule(func(r *rules.CartRule) bool { old := r.StopFurtherRules; r.StopFurtherRules = false; return old })
		rule(func(r *rules.CartRule) bool { old := r.Enabled; r.Enabled = true; return !old })
		rule(func(r *rules.CartRule) bool {
			old := len(r.Websites) + len(r.CustomerGroups) + len(r.Coupons)
			r.Websites, r.CustomerGroups, r.Coupons = nil, nil, nil
			return old > 0
		})
		rule(func(r *rules.CartRule) bool {
			old := r.From.IsZero() && r.To.IsZero()
			r.From, r.To = rules.Bound{}, rules.Bound{}
			return !old
		})
		rule(func(r *rules.CartRule) bool {
			old := r.Action.MaxQty
			r.Action.MaxQty = money.Zero
			return !old.IsZero()
		})
		rule(func(r *rules.CartRule) bool {
			if r.Action.Type == rules.BuyXGetY || r.Action.Step.IsZero() {
				return false
			}
			r.Action.Step = money.Zero
			return true
		})
		rule(func(r *rules.CartRule) bool {
			old := r.Action.ApplyToShipping
			r.Action.ApplyToShipping = false
			return old
		})
		rule(func(r *rules.CartRule) bool {
			old := r.Action.FreeShipping
			r.Action.FreeShipping = rules.NoFreeShipping
			return old != rules.NoFreeShipping
		})
		rule(func(r *rules.CartRule) bool { return simpler(&r.Action.Amount) })
	}
	for i := range c.cart.Items {
		item := func(f func(it *engine.Item) bool) {
			set(func(n *modelCase) bool { return f(&n.cart.Items[i]) })
		}
		item(func(it *engine.Item) bool { return simpler(&it.Price) })
		item(func(it *engine.Item) bool {
			q := it.Qty
			if !simpler(&q) || q.Sign() <= 0 {
				return false
			}
			it.Qty = q
			return true
		})
		item(func(it *engine.Item) bool {
			old := len(it.Categories) + len(it.Attributes)
			it.Categories, it.Attributes = nil, nil
			return old > 0
		})
		item(func(it *engine.Item) bool { old := it.Weight; it.Weight = money.Zero; return !old.IsZero() })
	}
	set(func(n *modelCase) bool { return simpler(&n.cart.Shipping.Amount) })
	set(func(n *modelCase) bool { old := n.cart.CouponCode; n.cart.CouponCode = ""; return old != "" })
	set(func(n *modelCase) bool { old := n.cart.Segments; n.cart.Segments = nil; return old != nil })
	return edits
}

// simpler replaces d with a simpler number (0, then fewer digits) and says
// whether it changed.
func simpler(d *money.Decimal) bool {
	switch {
	case d.IsZero():
		return false
	case d.Places() > 0:
		*d = d.Round(d.Places() - 1)
		if d.IsZero() {
			*d = money.One
		}
		return true
	}
	return false
}

// goCase writes c as a Go literal for the regression table.
func goCase(c modelCase) string {
	var b strings.Builder
	s := c.set.Config
	fmt.Fprintf(&b, "\tset: modelSet(%q, %q,\n", s.Currency, s.Timezone)
	for _, r := range c.set.CartRules {
		fmt.Fprintf(&b, "\t\trules.CartRule{ID: %q", r.ID)
		if r.Enabled {
			b.WriteString(", Enabled: true")
		}
		if r.Priority != 0 {
			fmt.Fprintf(&b, ", Priority: %d", r.Priority)
		}
		if r.StopFurtherRules {
			b.WriteString(", StopFurtherRules: true")
		}
		if r.Websites != nil {
			fmt.Fprintf(&b, ", Websites: %#v", r.Websites)
		}
		if r.CustomerGroups != nil {
			fmt.Fprintf(&b, ", CustomerGroups: %#v", r.CustomerGroups)
		}
		if r.Coupons != nil {
			fmt.Fprintf(&b, ", Coupons: %#v", r.Coupons)
		}
		if !r.From.IsZero() {
			fmt.Fprintf(&b, ", From: bound(%q)", r.From)
		}
		if !r.To.IsZero() {
			fmt.Fprintf(&b, ", To: bound(%q)", r.To)
		}
		if r.When.Text != "" {
			fmt.Fprintf(&b, ", When: rules.Expr{Text: %q}", r.When.Text)
		}
		a := r.Action
		fmt.Fprintf(&b, ",\n\t\t\tAction: rules.Action{Type: %q, Amount: dec(%q)", a.Type, a.Amount)
		if !a.MaxQty.IsZero() {
			fmt.Fprintf(&b, ", MaxQty: dec(%q)", a.MaxQty)
		}
		if !a.Step.IsZero() {
			fmt.Fprintf(&b, ", Step: dec(%q)", a.Step)
		}
		if a.ApplyToShipping {
			b.WriteString(", ApplyToShipping: true")
		}
		if a.FreeShipping != rules.NoFreeShipping && a.FreeShipping != "" {
			fmt.Fprintf(&b, ", FreeShipping: %q", a.FreeShipping)
		}
		if a.Items.Text != "" {
			fmt.Fprintf(&b, ", Items: rules.Expr{Text: %q}", a.Items.Text)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("\t),\n")
	k := c.cart
	fmt.Fprintf(&b, "\tcart: &engine.Cart{Website: %q, Customer: engine.Customer{ID: %q, Group: %q}, CouponCode: %q, Segments: %#v,\n",
		k.Website, k.Customer.ID, k.Customer.Group, k.CouponCode, k.Segments)
	fmt.Fprintf(&b, "\t\tShipping: engine.Shipping{Method: %q, Amount: dec(%q), Country: %q}, Payment: engine.Payment{Method: %q},\n",
		k.Shipping.Method, k.Shipping.Amount, k.Shipping.Country, k.Payment.Method)
	b.WriteString("\t\tItems: []engine.Item{\n")
	for _, it := range k.Items {
		fmt.Fprintf(&b, "\t\t\t{SKU: %q, Qty: dec(%q), Price: dec(%q)", it.SKU, it.Qty, it.Price)
		if !it.Weight.IsZero() {
			fmt.Fprintf(&b, ", Weight: dec(%q)", it.Weight)
		}
		if it.Categories != nil {
			fmt.Fprintf(&b, ", Categories: %#v", it.Categories)
		}
		if len(it.Attributes) > 0 {
			b.WriteString(", Attributes: engine.Attrs{")
			for _, a := range it.Attributes {
				if a.IsList {
					fmt.Fprintf(&b, "{Name: %q, Attr: engine.Attr{List: %#v, IsList: true}}, ", a.Name, a.List)
				} else {
					fmt.Fprintf(&b, "{Name: %q, Attr: engine.Attr{Str: %q}}, ", a.Name, a.Str)
				}
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("\t\t}},\n")
	return b.String()
}
