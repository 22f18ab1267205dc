package engine_test

// The random rule sets and carts of the differential tests. Everything comes
// from one *rand.Rand, so a seed (or a fuzz input) reproduces a case exactly.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// modelCase is one rule set and one cart.
type modelCase struct {
	set  *rules.Set
	cart *engine.Cart
}

// modelNow is the instant every generated cart is evaluated at.
var modelNow = time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC)

// modelAudiences is the audience registry of every generated set.
var modelAudiences = []rules.Audience{
	{ID: "seg-vip", Name: "VIP"},
	{ID: "seg-churn", Name: "Churn"},
	{ID: "seg-new", Name: "New Buyers"},
}

// modelWebsites are the websites that price in a currency of their own:
// JPY has no minor unit, KWD has three digits.
var modelWebsites = map[string]string{"jp": "JPY", "kw": "KWD"}

// gen draws one case.
type gen struct {
	r      *rand.Rand
	digits int32 // of the cart's currency
}

func pick[T any](g *gen, l ...T) T { return l[g.r.IntN(len(l))] }

func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

// genCase draws a rule set of 1–6 rules and a cart of 1–8 lines.
func genCase(r *rand.Rand) modelCase {
	g := &gen{r: r}
	set := &rules.Set{
		Config: rules.Config{
			Timezone:          pick(g, "", "America/New_York", "Asia/Tokyo"),
			Currency:          pick(g, "USD", "USD", "USD", "JPY", "KWD"),
			WebsiteCurrencies: modelWebsites,
		},
		Audiences: modelAudiences,
	}
	website := pick(g, "base", "base", "jp", "kw", "JP")
	cur := currencyOf(set, website)
	g.digits = cur.Digits
	cart := g.cart(website, cur)
	ids := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	g.r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for i := range 1 + g.r.IntN(6) {
		set.CartRules = append(set.CartRules, g.rule(ids[i]))
	}
	return modelCase{set: set, cart: cart}
}

// currencyOf is the currency of a website's carts: its own, or the
// project's.
func currencyOf(set *rules.Set, website string) money.Currency {
	code := set.Config.Currency
	for site, c := range set.Config.WebsiteCurrencies {
		if strings.EqualFold(site, website) {
			code = c
		}
	}
	if code == "" {
		code = "USD"
	}
	c, _ := money.LookupCurrency(code)
	return c
}

// amount draws money in the cart's currency up to max major units, now and
// then with one digit more than the currency has (rule amounts may).
func (g *gen) amount(max int64, extraDigit bool) money.Decimal {
	d := g.digits
	if extraDigit && g.chance(15) {
		d++
	}
	scale := int64(1)
	for range d {
		scale *= 10
	}
	switch g.r.IntN(6) {
	case 0: // a few minor units: rounding at its finest
		return money.New(1+g.r.Int64N(9), -d)
	case 1: // x.99, x.95, x.50, x.05 shapes
		whole := g.r.Int64N(max)
		return money.New(whole, 0).Add(money.New(pick(g, int64(99), 95, 50, 5, 1), -2).Round(d))
	}
	return money.New(g.r.Int64N(max*scale+1), -d)
}

func (g *gen) cart(website string, cur money.Currency) *engine.Cart {
	c := &engine.Cart{
		Website:    website,
		Currency:   cur,
		Now:        modelNow,
		Customer:   engine.Customer{ID: pick(g, "", "c-1"), Group: pick(g, "", "guest", "general", "wholesale", "General")},
		CouponCode: pick(g, "", "", "SAVE10", "save10", "Hello", "nope"),
		Shipping: engine.Shipping{
			Method:  pick(g, "flatrate_flatrate", "tablerate_bestway", ""),
			Country: pick(g, "US", "CA", "us"),
		},
		Payment: engine.Payment{Method: pick(g, "checkmo", "card")},
	}
	for _, a := range modelAudiences {
		if g.chance(40) {
			c.Segments = append(c.Segments, a.ID)
		}
	}
	if g.chance(10) {
		c.Segments = append(c.Segments, "seg-unknown")
	}
	if g.chance(70) {
		c.Shipping.Amount = g.amount(pick[int64](g, 5, 20, 100), false)
	}
	n := 1 + g.r.IntN(8)
	if g.chance(2) { // past 64 lines: one machine word of line flags no longer holds them
		n = 65 + g.r.IntN(16)
	}
	for range n {
		c.Items = append(c.Items, g.line())
	}
	return c
}

func (g *gen) line() engine.Item {
	it := engine.Item{
		SKU:    pick(g, "p1", "p2", "p3", "p4", "p5", "p6"),
		Weight: money.New(g.r.Int64N(50), -1),
	}
	it.Name = "Product " + it.SKU
	big := g.r.IntN(40) // 0: a huge price, 1: a huge quantity (never both)
	switch {
	case g.chance(6):
		it.Price = money.Zero
	case big == 0: // past what cents fit in 32 bits, and in int64 once multiplied
		it.Price = g.amount(1_000_000_000, false)
	default:
		it.Price = g.amount(pick[int64](g, 1, 10, 100, 300), false)
	}
	if big == 1 {
		it.Qty = money.New(1+g.r.Int64N(1_000_000_000), -4)
		return g.describe(it)
	}
	switch g.r.IntN(10) {
	case 0, 1, 2: // fractional, sold by weight
		places := int32(1 + g.r.IntN(4))
		scale := int64(1)
		for range places {
			scale *= 10
		}
		it.Qty = money.New(1+g.r.Int64N(8*scale), -places)
	case 3:
		it.Qty = money.FromInt(7 + g.r.Int64N(14))
	default:
		it.Qty = money.FromInt(1 + g.r.Int64N(6))
	}
	return g.describe(it)
}

// describe gives a line its categories and attributes.
func (g *gen) describe(it engine.Item) engine.Item {
	for _, c := range []string{"shoes", "socks", "hats"} {
		if g.chance(35) {
			it.Categories = append(it.Categories, c)
		}
	}
	it.Attributes = engine.Attrs{}
	if g.chance(70) {
		it.Attributes.Set("brand", engine.Attr{Str: pick(g, "acme", "Zeta", "ACME")})
	}
	if g.chance(40) {
		it.Attributes.Set("color", engine.Attr{List: pick(g, []string{"red"}, []string{"blue", "red"}, []string{"green"}), IsList: true})
	}
	return it
}

func (g *gen) rule(id string) rules.CartRule {
	r := rules.CartRule{
		ID:               id,
		Name:             id,
		Enabled:          !g.chance(8),
		Priority:         g.r.IntN(4),
		StopFurtherRules: g.chance(25),
	}
	if g.chance(15) {
		r.Websites = g.subset("base", "jp", "kw", "BASE")
	}
	if g.chance(15) {
		r.CustomerGroups = g.subset("guest", "general", "wholesale")
	}
	if g.chance(20) {
		r.From, r.To = g.window()
	}
	if g.chance(20) {
		r.Coupons = pick(g, []string{"SAVE10"}, []string{"hello", "save10"}, []string{"OTHER"})
	}
	if g.chance(50) {
		r.When = rules.Expr{Text: g.cartCond(2)}
	}
	a := &r.Action
	a.Type = pick(g, rules.ByPercent, rules.ByFixed, rules.CartFixed, rules.BuyXGetY)
	switch a.Type {
	case rules.ByPercent:
		if pct := pick(g, "0", "5", "10", "12.5", "15", "20", "33.33", "50", "99.99", "100", ""); pct != "" {
			a.Amount = money.MustParse(pct)
		} else {
			a.Amount = money.New(g.r.Int64N(10001), -2)
		}
	case rules.ByFixed:
		a.Amount = g.amount(pick[int64](g, 1, 5, 30), true)
	case rules.CartFixed:
		a.Amount = g.amount(pick[int64](g, 5, 20, 100, 1000, 1_000_000_000), true)
	case rules.BuyXGetY:
		a.Amount = money.FromInt(1 + g.r.Int64N(3))
		a.Step = money.FromInt(1 + g.r.Int64N(3))
	}
	// cart_fixed ignores the step: now and then it has one anyway.
	if a.Type != rules.BuyXGetY && g.chance(25) && (a.Type != rules.CartFixed || g.chance(30)) {
		a.Step = money.FromInt(1 + g.r.Int64N(3))
	}
	if g.chance(30) {
		a.MaxQty = pick(g, money.FromInt(1), money.FromInt(2), money.FromInt(5), money.New(15, -1), money.New(225, -2))
	}
	a.ApplyToShipping = g.chance(25)
	a.FreeShipping = pick(g, rules.NoFreeShipping, rules.NoFreeShipping, rules.NoFreeShipping, rules.NoFreeShipping,
		rules.NoFreeShipping, rules.NoFreeShipping, rules.NoFreeShipping, rules.FreeShippingMatching, rules.FreeShippingShipment)
	if g.chance(60) {
		a.Items = rules.Expr{Text: g.itemCond(2)}
	}
	return r
}

func (g *gen) subset(l ...string) []string {
	var out []string
	for _, s := range l {
		if g.chance(50) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = append(out, l[g.r.IntN(len(l))])
	}
	return out
}

// window draws a date window around modelNow: days (in the project's zone)
// or exact instants, now and then open at one end.
func (g *gen) window() (from, to rules.Bound) {
	if g.chance(50) {
		day := func(off int) rules.Bound {
			return rules.Bound{Date: rules.DateOf(modelNow.AddDate(0, 0, off), time.UTC)}
		}
		f := g.r.IntN(5) - 3
		from, to = day(f), day(f+g.r.IntN(4))
	} else {
		at := func(h int) rules.Bound { return rules.Bound{Instant: modelNow.Add(time.Duration(h) * time.Hour)} }
		f := g.r.IntN(30) - 20
		from, to = at(f), at(f+g.r.IntN(30))
	}
	switch g.r.IntN(4) {
	case 0:
		from = rules.Bound{}
	case 1:
		to = rules.Bound{}
	}
	return from, to
}

// num writes a threshold for conditions: a number with up to two decimals.
func (g *gen) num(max int64) string {
	if g.chance(50) {
		return fmt.Sprint(g.r.Int64N(max + 1))
	}
	return money.New(g.r.Int64N(max*100+1), -2).String()
}

// cartCond draws a condition on the cart of at most depth junctions.
func (g *gen) cartCond(depth int) string {
	if depth > 0 && g.chance(30) {
		op := pick(g, " and ", " or ")
		return "(" + g.cartCond(depth-1) + op + g.cartCond(depth-1) + ")"
	}
	if g.chance(10) {
		return negate(g.cartCond(0))
	}
	switch g.r.IntN(17) {
	case 0:
		return "cart.subtotal >= " + g.num(pick[int64](g, 50, 500, 5000))
	case 1:
		return "cart.total_qty > " + g.num(10)
	case 2:
		return "cart.weight < " + g.num(40)
	case 3:
		return fmt.Sprintf("cart.line_count >= %d", 1+g.r.IntN(5))
	case 4:
		return `customer.group in ["general", "wholesale"]`
	case 5:
		return `customer.group == "guest"`
	case 6:
		return `shipping.country == "US"`
	case 7:
		return `shipping.method == "flatrate_flatrate" or shipping.amount > ` + g.num(10)
	case 8:
		return `coupon == "save10"`
	case 9:
		return pick(g, `website == "jp"`, `cart.currency == "KWD"`, `website != "base"`)
	case 10:
		return pick(g, `audience("VIP")`, `not audience("Churn")`, `audience("New Buyers", "VIP")`)
	case 11:
		return fmt.Sprintf("%s(items, %s)", pick(g, "any", "all", "none"), g.itemCond(0))
	case 12:
		return fmt.Sprintf("count(items, %s) >= %d", g.itemCond(0), 1+g.r.IntN(3))
	case 13:
		return fmt.Sprintf("sum(filter(items, %s), item.qty) >= %s", g.itemCond(0), g.num(6))
	case 14:
		return "sum(items, item.row_total) > " + g.num(300)
	case 15:
		return "false"
	}
	return "true"
}

// itemCond draws a condition on one line (item).
func (g *gen) itemCond(depth int) string {
	if depth > 0 && g.chance(25) {
		op := pick(g, " and ", " or ")
		return "(" + g.itemCond(depth-1) + op + g.itemCond(depth-1) + ")"
	}
	if g.chance(8) {
		return negate(g.itemCond(0))
	}
	switch g.r.IntN(12) {
	case 0:
		skus := g.subset("p1", "p2", "p3", "p4", "p5", "p6")
		return `item.sku in ["` + strings.Join(skus, `", "`) + `"]`
	case 1:
		return pick(g, `item.sku == "p2"`, `item.sku == "P1"`)
	case 2:
		return "item.price >= " + g.num(pick[int64](g, 10, 100))
	case 3:
		return "item.price < " + g.num(pick[int64](g, 10, 100))
	case 4:
		return "item.qty >= " + g.num(4)
	case 5:
		return `"shoes" in item.categories`
	case 6:
		return `item.categories contains "socks"`
	case 7:
		return pick(g, `item.attributes.brand == "acme"`, `item.attributes.brand != "acme"`)
	case 8:
		return "item.row_total > " + g.num(200)
	case 9:
		return `item.attributes.color contains "red"`
	case 10:
		return "item.weight <= " + g.num(5)
	}
	return pick(g, "true", "false")
}

// clone copies a case deeply enough that the minimiser can edit the copy.
func (c modelCase) clone() modelCase {
	set := *c.set
	set.CartRules = slices.Clone(c.set.CartRules)
	for i := range set.CartRules {
		r := &set.CartRules[i]
		r.Websites = slices.Clone(r.Websites)
		r.CustomerGroups = slices.Clone(r.CustomerGroups)
		r.Coupons = slices.Clone(r.Coupons)
	}
	cart := *c.cart
	cart.Segments = slices.Clone(c.cart.Segments)
	cart.Items = slices.Clone(c.cart.Items)
	for i := range cart.Items {
		it := &cart.Items[i]
		it.Categories = slices.Clone(it.Categories)
		it.Attributes = slices.Clone(it.Attributes)
	}
	return modelCase{set: &set, cart: &cart}
}

// negate writes "not (c)". The parentheses are needed: the condition
// compiler rejects "not a == b" with an internal error (its own bug, kept out
// of these tests, which are about the arithmetic).
func negate(c string) string { return "not (" + c + ")" }
