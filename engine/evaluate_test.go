package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// testSet is a small project in New York time with two audiences.
func testSet(rs ...rules.CartRule) *rules.Set {
	for i := range rs {
		if rs[i].Name == "" {
			rs[i].Name = rs[i].ID
		}
		rs[i].Enabled = true
		if rs[i].Action.Type == "" {
			rs[i].Action = rules.Action{Type: rules.ByPercent, Amount: money.MustParse("10")}
		}
	}
	return &rules.Set{
		Config: rules.Config{Timezone: "America/New_York", Currency: "USD"},
		Audiences: []rules.Audience{
			{ID: "aaaaaaaa-0000-4000-8000-000000000001", Name: "VIP Shoppers"},
			{ID: "aaaaaaaa-0000-4000-8000-000000000002", Name: "Churn Risk"},
		},
		CartRules: rs,
	}
}

func mustCompile(t testing.TB, s *rules.Set) *Program {
	t.Helper()
	p, diags := Compile(s)
	if p == nil {
		t.Fatalf("Compile: %v", diags)
	}
	return p
}

func mustCart(t testing.TB, js string) *Cart {
	t.Helper()
	usd, _ := money.LookupCurrency("USD")
	c, err := DecodeCart([]byte(js), CartDefaults{Currency: usd})
	if err != nil {
		t.Fatalf("DecodeCart: %v", err)
	}
	return c
}

func expr(s string) rules.Expr { return rules.Expr{Text: s} }

const twoLines = `{"now": "2026-11-27T10:00:00-05:00", "customer": {"group": "general"},
 "items": [{"sku": "SH-1", "qty": 2, "price": "60.00", "categories": ["shoes"]},
           {"sku": "SO-1", "qty": 1, "price": "10.00", "categories": ["socks"]}],
 "shipping": {"amount": "5.00", "country": "US"}}`

func applied(r *Result) []string {
	var ids []string
	for _, a := range r.AppliedRules {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestCandidates(t *testing.T) {
	d := func(s string) rules.Bound {
		dd, err := rules.ParseDate(s)
		if err != nil {
			panic(err)
		}
		return rules.Bound{Date: dd}
	}
	set := testSet(
		rules.CartRule{ID: "disabled"},
		rules.CartRule{ID: "ca-only", Websites: []string{"CA"}},
		rules.CartRule{ID: "wholesale", CustomerGroups: []string{"wholesale"}},
		rules.CartRule{ID: "general", CustomerGroups: []string{"General"}},
		rules.CartRule{ID: "bf", From: d("2026-11-27"), To: d("2026-11-30")},
		rules.CartRule{ID: "ends-26th", To: d("2026-11-26")},
		rules.CartRule{ID: "starts-28th", From: d("2026-11-28")},
		rules.CartRule{ID: "coupon", Coupons: []string{"WELCOME10", "HELLO"}},
		rules.CartRule{ID: "vip", When: expr(`audience("VIP Shoppers")`)},
		rules.CartRule{ID: "not-churn", When: expr(`not audience("Churn Risk")`)},
	)
	set.CartRules[0].Enabled = false
	p := mustCompile(t, set)
	tests := []struct {
		name string
		edit func(c *Cart)
		want []string
	}{
		{"base", func(c *Cart) {}, []string{"bf", "general", "not-churn"}},
		{"coupon matched ignoring case", func(c *Cart) { c.CouponCode = "welcome10" }, []string{"bf", "coupon", "general", "not-churn"}},
		{"member", func(c *Cart) { c.Segments = []string{"aaaaaaaa-0000-4000-8000-000000000001", "unknown-id"} }, []string{"bf", "general", "not-churn", "vip"}},
		{"churn", func(c *Cart) { c.Segments = []string{"aaaaaaaa-0000-4000-8000-000000000002"} }, []string{"bf", "general"}},
		{"website", func(c *Cart) { c.Website = "ca" }, []string{"bf", "ca-only", "general", "not-churn"}},
		{"guest", func(c *Cart) { c.Customer.Group = "" }, []string{"bf", "not-churn"}},
		// 2026-11-27 00:00 New York is 05:00 UTC: a minute before, the sale has not begun.
		{"day before in New York", func(c *Cart) { c.Now = time.Date(2026, 11, 27, 4, 59, 0, 0, time.UTC) }, []string{"ends-26th", "general", "not-churn"}},
		{"first minute", func(c *Cart) { c.Now = time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC) }, []string{"bf", "general", "not-churn"}},
		{"last minute of the 30th", func(c *Cart) { c.Now = time.Date(2026, 12, 1, 4, 59, 59, 0, time.UTC) }, []string{"bf", "general", "not-churn", "starts-28th"}},
		{"after", func(c *Cart) { c.Now = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) }, []string{"general", "not-churn", "starts-28th"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCart(t, twoLines)
			tt.edit(c)
			res, err := p.Evaluate(c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, applied(res)); diff != "" {
				t.Errorf("applied rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateResult(t *testing.T) {
	p := mustCompile(t, testSet(
		rules.CartRule{ID: "shoes-20", Priority: 1, Label: "Shoe sale", StopFurtherRules: true,
			Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("20"), Items: expr(`"shoes" in item.categories`)}},
		rules.CartRule{ID: "cart-5", Priority: 2, Coupons: []string{"FIVE"},
			Action: rules.Action{Type: rules.CartFixed, Amount: money.MustParse("5")}},
	))
	c := mustCart(t, twoLines)
	c.CouponCode = "five"
	res, err := p.Evaluate(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{
		AppliedRules: []AppliedRule{
			{ID: "shoes-20", Name: "shoes-20", Label: "Shoe sale", Discount: "24.00"},
			{ID: "cart-5", Name: "cart-5", Label: "cart-5", Discount: "5.00"},
		},
		Items: []ItemResult{
			{SKU: "SH-1", Qty: "2", Price: "60.00", RowTotal: "120.00", Discount: "24.00", AppliedRules: []string{"shoes-20"}},
			// The shoes are stopped, so the socks line is the cart_fixed rule's only
			// processed line; its share is 10/(130−24) × 5 = 0.47.
			{SKU: "SO-1", Qty: "1", Price: "10.00", RowTotal: "10.00", Discount: "0.47", AppliedRules: []string{"cart-5"}},
		},
		Totals:    Totals{Subtotal: "130.00", Discount: "24.47", Shipping: "5.00", ShippingDiscount: "0.00", GrandTotal: "110.53"},
		Coupon:    &CouponResult{Code: "five", Applied: true},
		Segments:  []string{},
		Audiences: []string{},
		Errors:    []RuleError{},
	}
	want.AppliedRules[1].Discount = "0.47"
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestCouponReasons(t *testing.T) {
	p := mustCompile(t, testSet(
		rules.CartRule{ID: "big-spender", Coupons: []string{"BIG"}, When: expr(`cart.subtotal >= 500`)},
		rules.CartRule{ID: "later", Coupons: []string{"LATER"}, From: rules.Bound{Date: rules.Date{Year: 2027, Month: 1, Day: 1}}},
	))
	for code, want := range map[string]string{
		"BIG":   "the cart does not meet the promotion's conditions",
		"LATER": "starts 2027-01-01; it is 2026-11-27T10:00:00-05:00",
		"NOPE":  "no promotion uses this code",
	} {
		c := mustCart(t, twoLines)
		c.CouponCode = code
		res, err := p.Evaluate(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Coupon == nil || res.Coupon.Applied || res.Coupon.Reason != want {
			t.Errorf("%s: coupon %+v, want reason %q", code, res.Coupon, want)
		}
	}
}

func TestExplain(t *testing.T) {
	p := mustCompile(t, testSet(
		rules.CartRule{ID: "a-stop", Priority: 0, StopFurtherRules: true},
		rules.CartRule{ID: "b-stopped", Priority: 1},
		rules.CartRule{ID: "c-vip", Priority: 2, When: expr(`audience("VIP Shoppers") and cart.subtotal >= 100`)},
		rules.CartRule{ID: "d-big", Priority: 3, When: expr(`cart.subtotal >= 500 or shipping.country == "CA"`)},
		rules.CartRule{ID: "e-no-items", Priority: 4, Action: rules.Action{Type: rules.ByFixed, Amount: money.MustParse("1"), Items: expr(`item.sku == "nope"`)}},
	))
	res, err := p.Evaluate(mustCart(t, twoLines), Options{Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range res.Explain {
		line := x.Rule + ": " + x.Status + ": " + x.Reason
		for _, c := range x.Clauses {
			line += " | " + c.Text + " [" + strings.Join(c.Seen, "; ") + "]"
		}
		got = append(got, line)
	}
	want := []string{
		`a-stop: applied: applied`,
		`b-stopped: stopped: stopped by rule "a-stop", which applied first and stops further rules`,
		`c-vip: condition: the cart does not meet the condition | audience("VIP Shoppers") [the shopper is not in this audience]`,
		`d-big: condition: the cart does not meet the condition | cart.subtotal >= 500 [cart.subtotal = 130] | shipping.country == "CA" [shipping.country = "us"]`,
		`e-no-items: no_items: no line matches action.items`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("explanations (-want +got):\n%s", diff)
	}
}

func TestEvaluateInputErrors(t *testing.T) {
	p := mustCompile(t, testSet(rules.CartRule{ID: "r"}))
	c := mustCart(t, twoLines)
	c.Currency, _ = money.LookupCurrency("EUR")
	_, err := p.Evaluate(c, Options{})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "currency" {
		t.Errorf("EUR cart: got %v, want an InputError on currency", err)
	}
	c = mustCart(t, twoLines)
	c.Items[0].Qty = money.MustParse("900000")
	c.Items[0].Price = money.MustParse("999999999999")
	_, err = p.Evaluate(c, Options{})
	if !errors.As(err, &ie) {
		t.Errorf("huge cart: got %v, want an InputError", err)
	}
}

func TestCompileDiagnostics(t *testing.T) {
	set := testSet(
		rules.CartRule{ID: "typo", When: rules.Expr{Text: `audience("VIP Shopers") and cart.subtotl > 1`, Pos: posAt("r.yaml", 4, 11)}},
	)
	set.Config.Timezone = "Mars/Olympus"
	_, diags := Compile(set)
	want := []string{
		`-: unknown time zone "Mars/Olympus": want an IANA name such as America/New_York`,
		`r.yaml:4:20: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?`,
		`r.yaml:4:39: unknown field "cart.subtotl"; did you mean "cart.subtotal"?`,
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

func TestRulesListing(t *testing.T) {
	set := testSet(
		rules.CartRule{ID: "vip", Priority: 1, When: expr(`audience("VIP Shoppers") or audience("Churn Risk")`)},
		rules.CartRule{ID: "later", From: rules.Bound{Date: rules.Date{Year: 2027, Month: 1, Day: 1}},
			Action: rules.Action{Type: rules.ByPercent, Amount: money.One, Items: expr(`audience("Churn Risk")`)}},
	)
	p := mustCompile(t, set)
	var got []string
	for _, ri := range p.Rules(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
		got = append(got, ri.Rule.ID+" "+ri.Status+" "+strings.Join(ri.Audiences, ","))
	}
	want := []string{"later scheduled Churn Risk", "vip enabled VIP Shoppers,Churn Risk"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if a := p.RuleAudiences("vip"); len(a) != 2 {
		t.Errorf("RuleAudiences(vip) = %v", a)
	}
}

func TestWebsiteCurrency(t *testing.T) {
	set := testSet(rules.CartRule{ID: "five-off", Action: rules.Action{Type: rules.CartFixed, Amount: money.MustParse("5")}})
	set.Config.WebsiteCurrencies = map[string]string{"ca": "CAD"}
	p := mustCompile(t, set)
	cad := `{"website": "CA", "now": "2026-11-27T10:00:00-05:00", "items": [{"sku": "A", "qty": 1, "price": "20.00"}]}`
	c, err := DecodeCart([]byte(cad), p.CartDefaults())
	if err != nil || c.Currency.Code != "CAD" {
		t.Fatalf("decoded currency %v, %v; want CAD", c.Currency, err)
	}
	res, err := p.Evaluate(c, Options{})
	if err != nil || res.Totals.GrandTotal != "15.00" {
		t.Fatalf("CAD cart: %v, %+v", err, res)
	}
	usd := strings.Replace(cad, `"website": "CA"`, `"website": "ca", "currency": "USD"`, 1)
	c, err = DecodeCart([]byte(usd), p.CartDefaults())
	if err != nil {
		t.Fatal(err)
	}
	var ie *InputError
	if _, err := p.Evaluate(c, Options{}); !errors.As(err, &ie) || ie.Field != "currency" {
		t.Errorf("USD cart on the CAD website: got %v, want an InputError on currency", err)
	}
}
