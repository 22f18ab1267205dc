package dsl

import (
	"strings"
	"testing"

	"github.com/ruled/ruled/money"
)

var testAudiences = []Audience{
	{ID: "4f1c6a9e-0000-4000-8000-000000000001", Name: "VIP Shoppers"},
	{ID: "4f1c6a9e-0000-4000-8000-000000000002", Name: "Churn Risk"},
	{ID: "4f1c6a9e-0000-4000-8000-000000000003", Name: "Lapsed Customers"},
}

func num(s string) int {
	n, ok := Number(money.MustParse(s))
	if !ok {
		panic(s)
	}
	return n
}

func testEnv() Env {
	attrs := func(kv ...any) map[string]Value {
		m := map[string]Value{}
		for i := 0; i < len(kv); i += 2 {
			switch v := kv[i+1].(type) {
			case string:
				m[kv[i].(string)] = StringValue(v)
			case []string:
				m[kv[i].(string)] = ListValue(v)
			case bool:
				m[kv[i].(string)] = BoolValue(v)
			}
		}
		return m
	}
	items := []*ItemEnv{
		{SKU: "sh-1", Name: "trail runner", Qty: num("2"), Price: num("60"), RowTotal: num("120"), Weight: num("1.2"), RowWeight: num("2.4"),
			Categories: []string{"shoes", "running"}, Attrs: attrs("brand", "Acme", "color", []string{"Red", "Black"}, "size", "42", "clearance", true)},
		{SKU: "so-1", Name: "wool socks", Qty: num("3"), Price: num("9.99"), RowTotal: num("29.97"), Weight: num("0.1"), RowWeight: num("0.3"),
			Categories: []string{"socks"}, Attrs: attrs("brand", "Acme")},
		{SKU: "gc-1", Name: "gift card", Qty: num("1"), Price: num("25"), RowTotal: num("25"), Categories: []string{}, Attrs: attrs()},
	}
	return Env{
		Cart:     CartEnv{Subtotal: num("174.97"), TotalQty: num("6"), Weight: num("2.7"), LineCount: num("3"), Currency: "usd"},
		Customer: CustomerEnv{ID: "c-7", Group: "general"},
		Coupon:   "welcome10",
		Shipping: ShippingEnv{Method: "flatrate_flatrate", Amount: num("5"), Country: "us", Region: "ca", Postcode: "90210"},
		Payment:  PaymentEnv{Method: "checkmo"},
		Website:  "base",
		Items:    items,
		Member:   []bool{true, false, false},
	}
}

func TestConditions(t *testing.T) {
	tests := []struct {
		src  string
		item int // -1: cart condition; else the line for an action.items condition
		want bool
	}{
		{`audience("VIP Shoppers")`, -1, true},
		{`audience("vip shoppers")`, -1, true},
		{`audience("4f1c6a9e-0000-4000-8000-000000000001")`, -1, true},
		{`audience("Churn Risk", "VIP Shoppers")`, -1, true},
		{`not audience("Churn Risk") and cart.subtotal >= 100`, -1, true},
		{`not audience("Churn Risk") and cart.subtotal >= 175`, -1, false},
		{`cart.subtotal == 174.97`, -1, true},
		{`cart.total_qty >= 3 and cart.weight < 20`, -1, true},
		{`customer.group in ["general", "wholesale"] and shipping.country == "US"`, -1, true},
		{`customer.group not in ["general", "wholesale"]`, -1, false},
		{`shipping.method == "flatrate_flatrate" or payment.method == "checkmo"`, -1, true},
		{`coupon == "WELCOME10"`, -1, true},
		{`coupon != "WELCOME10"`, -1, false},
		{`any(items, "shoes" in item.categories and item.qty >= 2)`, -1, true},
		{`any(items, "shoes" in item.categories and item.qty >= 3)`, -1, false},
		{`all(items, item.price < 100)`, -1, true},
		{`all(items, item.price < 50)`, -1, false},
		{`none(items, item.sku == "GIFT-CARD")`, -1, true},
		{`none(items, item.sku == "GC-1")`, -1, false},
		{`count(items, "socks" in item.categories) >= 2`, -1, false},
		{`count(items, "socks" in item.categories) == 1`, -1, true},
		{`count(items) == 3`, -1, true},
		{`sum(filter(items, "socks" in item.categories), item.qty) >= 3`, -1, true},
		{`sum(filter(items, item.attributes.brand == "acme"), item.row_total) > 149.96`, -1, true},
		{`sum(filter(items, item.attributes.brand == "acme"), item.row_total) > 149.97`, -1, false},
		{`item.sku in ["sh-1", "p2"] and item.attributes.color contains "red"`, 0, true},
		{`item.sku in ["SH-1", "p2"] and item.attributes.color contains "blue"`, 0, false},
		{`item.attributes.brand contains "cm"`, 1, true},
		{`item.attributes.size >= 40 and item.attributes.size < 43`, 0, true},
		{`item.attributes.size == 42`, 0, true},
		{`item.attributes.size == "42"`, 0, true},
		{`item.attributes.clearance`, 0, true},
		{`not item.attributes.clearance`, 1, true},
		{`item.attributes.missing != "x"`, 1, true},
		{`item.attributes.missing == "x"`, 1, false},
		{`item.attributes.color in ["blue", "black"]`, 0, true},
		{`"red" in item.attributes.color`, 0, true},
		{`item.categories in ["sale", "running"]`, 0, true},
		{`item.categories contains "shoes"`, 0, true},
		{`len(item.categories) == 0`, 2, true},
		{`shipping.postcode >= "90000" and shipping.postcode <= "96199"`, -1, true},
		{`shipping.postcode starts with "902"`, -1, true},
		{`shipping.postcode ends with "1"`, -1, false},
		{`item.name contains "WOOL"`, 1, true},
		{`(cart.subtotal > 1000 or website == "base") && !(customer.id == "")`, -1, true},
		{`true`, -1, true},
		{`cart.line_count == 3 and cart.currency == "USD" and shipping.amount < 10 and shipping.region == "CA"`, -1, true},
		{`any(items, any(items, item.sku == "gc-1") and item.qty > 2)`, -1, true},
		{`item.qty in [1, 2]`, 0, true},
		{`defined(item.attributes.color) and not defined(item.attributes.missing)`, 0, true},
		{`defined(shipping.region) and not defined(customer.id)`, -1, false},
		{`defined(shipping.region)`, -1, true},
		{"cart.subtotal >= 100 # big carts\nand audience(\"VIP Shoppers\")", -1, true},
	}
	var m Machine
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, errs := Compile(tt.src, Options{Audiences: testAudiences, Item: tt.item >= 0})
			if len(errs) > 0 {
				t.Fatalf("Compile: %v", errs[0])
			}
			e := env
			if tt.item >= 0 {
				e.Item = *env.Items[tt.item]
			}
			var boxed any = e
			got, err := m.Eval(p, boxed)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v (code %s)", got, tt.want, p.Code())
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src  string
		item bool
		want string // "offset: message", errors joined by " | "
	}{
		{`audience("VIP Shopers")`, false, `9: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?`},
		{`cart.subtotl >= 100`, false, `0: unknown field "cart.subtotl"; did you mean "cart.subtotal"?`},
		{`cart.subtotal >= "100"`, false, `14: cannot use >= between "cart.subtotal" (a number) and "\"100\"" (a string): quote numbers compared with text ("90210"), or compare a number field with a number`},
		{`cart.subtotal`, false, `0: "cart.subtotal" is a number, not true/false: compare it, e.g. cart.subtotal >= 1`},
		{`item.sku == "a"`, false, `0: item is only known inside any(items, ...), all, none, count, sum and filter, or in action.items`},
		{`any(items, item.qty)`, false, `11: "item.qty" is a number, not true/false: compare it, e.g. item.qty >= 1`},
		{`sum(items, item.sku) > 1`, false, `11: sum adds numbers, got a string: write sum(items, number of item), e.g. sum(items, item.qty)`},
		{`anny(items, true)`, false, `0: unknown function "anny"; did you mean "any"?`},
		{`any(items)`, false, `0: any takes 2 arguments, got 1 argument(s): write any(items, condition on item)`},
		{`cart.subtotal >= 1.23456`, false, `17: 1.23456 has more than 4 decimal places`},
		{`item.categories == "shoes"`, true, `16: cannot use == between "item.categories" (a list of strings) and "\"shoes\"" (a string): a list holds many values; write "shoes" in item.categories`},
		{`customer.group in "general"`, false, `15: cannot use in between "customer.group" (a string) and "\"general\"" (a string): in needs a list on the right, e.g. ["a", "b"]`},
		{`cart.subtotal >= 100 and`, false, `24: the condition ends too early: expected a condition after "and"`},
		{`cart.subtotal = 100`, false, `14: unexpected "=": write == to compare`},
		{`audience(segment)`, false, `9: audience takes audience names in quotes: audience("VIP Shoppers")`},
		{`audience("Nope") and cart.weigt > 1`, false, `9: unknown audience "Nope" | 21: unknown field "cart.weigt"; did you mean "cart.weight"?`},
		{`["a", 1] contains "a"`, false, `6: a list mixes strings and numbers; use one kind`},
		{`defined(cart.subtotal)`, false, `8: defined takes an attribute or a text field (e.g. defined(item.attributes.color), defined(shipping.region)), got a number`},
		{``, false, `0: empty condition: write one, or leave the key out to mean always`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, errs := Compile(tt.src, Options{Audiences: testAudiences, Item: tt.item})
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if g := strings.Join(got, " | "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`audience("Churn Risk") and cart.subtotal >= 100`, `audience("Churn Risk") [the shopper is not in this audience]`},
		{`audience("VIP Shoppers") and cart.subtotal >= 200`, `cart.subtotal >= 200 [cart.subtotal = 174.97]`},
		{`shipping.country == "CA" or count(items) > 5`, `shipping.country == "CA" [shipping.country = "us"] | count(items) > 5 [count(items) = 3]`},
		{`not audience("VIP Shoppers")`, `not audience("VIP Shoppers") [the shopper is in audience("VIP Shoppers")]`},
		{`any(items, item.qty > 5)`, `any(items, item.qty > 5) [items = 3 lines]`},
		{`cart.subtotal >= 100`, ``},
	}
	var m Machine
	var env any = testEnv()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, errs := Compile(tt.src, Options{Audiences: testAudiences})
			if len(errs) > 0 {
				t.Fatal(errs[0])
			}
			var got []string
			for _, c := range m.Explain(p, env) {
				got = append(got, c.Text+" ["+strings.Join(c.Seen, "; ")+"]")
			}
			if g := strings.Join(got, " | "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}
