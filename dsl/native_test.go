package dsl

import (
	"math/rand/v2"
	"testing"
)

// TestNativeAgrees runs every shape with a native form both ways, on the
// test environment and on random variations of it, and requires the same
// answer; it also checks that these shapes do get a native form.
func TestNativeAgrees(t *testing.T) {
	cart := []string{
		`cart.subtotal >= 100`, `cart.subtotal < 174.97`, `cart.total_qty == 6`, `cart.weight > 2`, `cart.line_count <= 3`,
		`shipping.amount > 4.99`, `cart.subtotal != 174.97`,
		`customer.group == "VIP"`, `customer.group != "general"`, `coupon == "welcome10"`, `shipping.country in ["US", "CA"]`,
		`shipping.country not in ["us"]`, `payment.method starts with "check"`, `shipping.postcode ends with "10"`,
		`shipping.method contains "rate"`, `website == "base"`, `cart.currency == "usd"`, `customer.id == "c-7"`,
		`audience("VIP Shoppers")`, `audience("Churn Risk", "Lapsed Customers")`, `not audience("VIP Shoppers")`,
		`cart.subtotal > 10 and (audience("Churn Risk") or shipping.region == "CA")`,
		`not (cart.total_qty > 3 or coupon == "")`,
	}
	item := []string{
		`"shoes" in item.categories`, `"SHOES" not in item.categories`, `item.categories contains "socks"`,
		`item.sku == "SH-1"`, `item.sku in ["so-1", "gc-1"]`, `item.name contains "wool"`, `item.sku starts with "s"`,
		`item.qty >= 2`, `item.price < 10`, `item.row_total > 29.97`, `item.weight == 0.1`, `item.row_weight <= 0.3`,
		`item.attributes.brand == "acme"`, `item.attributes.brand != "Acme"`, `item.attributes.size > 41`,
		`item.attributes.size == "42.0"`, `item.attributes.color in ["red", "blue"]`, `item.attributes.color contains "black"`,
		`item.attributes.brand starts with "ac"`, `item.attributes.clearance`, `item.attributes.clearance == true`,
		`item.attributes.size <= 42`, `item.attributes.missing == "x"`, `not item.attributes.missing == "x"`,
		`item.price >= 20 and "shoes" in item.categories`, `item.sku == "gc-1" or item.qty > 2`,
		`cart.subtotal > 100 and item.qty > 1`,
		`item.sku in ["sh-1", "gc-1"] and not "socks" in item.categories`, `item.sku != "so-1" or "shoes" in item.categories`,
		`"running" not in item.categories and item.sku not in ["gc-1"]`, `audience("VIP Shoppers") and item.qty > 1`,
		`item.attributes.color == "RED"`, `item.attributes.brand == "acme" and not item.attributes.color == "black"`,
		`item.attributes.clearance == "true"`, `item.attributes.size == "42"`,
	}
	r := rand.New(rand.NewPCG(1, 2))
	envs := []Env{testEnv()}
	for range 40 {
		e := testEnv()
		e.Cart.Subtotal = num("174.97") + (r.IntN(3)-1)*num("100")
		e.Cart.TotalQty = num("6") + (r.IntN(3)-1)*num("3")
		e.Customer.Group = []string{"vip", "general", "guest"}[r.IntN(3)]
		e.Coupon = []string{"", "welcome10"}[r.IntN(2)]
		e.Shipping.Country = []string{"us", "ca", "de"}[r.IntN(3)]
		e.Member = []bool{r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0}
		for _, it := range e.Items {
			it.Qty = num("1") * (1 + r.IntN(3))
			it.Price = it.Price + (r.IntN(3)-1)*num("10")
		}
		envs = append(envs, e)
	}
	var m Machine
	check := func(src string, itemScope bool) {
		p, errs := Compile(src, Options{Audiences: testAudiences, Item: itemScope})
		if errs != nil {
			t.Fatalf("%s: %v", src, errs[0])
		}
		n := p.Native()
		if n == nil {
			t.Errorf("%s: no native form", src)
			return
		}
		for _, e := range envs {
			if !itemScope {
				want, err := m.Eval(p, &e)
				if err != nil {
					t.Fatal(err)
				}
				if got := n(&e, nil); got != want {
					t.Errorf("%s: native %v, expr %v", src, got, want)
				}
				continue
			}
			mask := p.Mask()
			if mask == nil {
				t.Errorf("%s: no mask form", src)
			}
			var lines, unnumbered Lines
			lines.Reset(&e, CurrentMaskKeys())
			bits := mask(&lines)
			// Without the texts' numbers, the mask reads the lines.
			unnumbered.Reset(&e, nil)
			if got := mask(&unnumbered); got != bits {
				t.Errorf("%s: mask %b with numbered texts, %b without", src, bits, got)
			}
			for j, it := range e.Items {
				le := e
				le.Item = *it
				want, err := m.Eval(p, &le)
				if err != nil {
					t.Fatal(err)
				}
				if got := n(&e, it); got != want {
					t.Errorf("%s on %s: native %v, expr %v", src, it.SKU, got, want)
				}
				if got := bits&(1<<j) != 0; got != want {
					t.Errorf("%s on %s: mask %v, expr %v", src, it.SKU, got, want)
				}
			}
		}
	}
	for _, src := range cart {
		check(src, false)
	}
	for _, src := range item {
		check(src, true)
	}
	for _, src := range []string{`any(items, item.qty > 1)`, `sum(items, item.qty) > 2`, `cart.currency < "x"`} {
		p, errs := Compile(src, Options{Audiences: testAudiences})
		if errs != nil {
			t.Fatal(errs[0])
		}
		if p.Native() != nil {
			t.Errorf("%s: has a native form; extend this test to check it", src)
		}
	}
}
