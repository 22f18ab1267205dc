package gen

import (
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// CartOptions shape a generated cart. Zero values take the defaults
// documented on each field.
type CartOptions struct {
	Seed    uint64 // default 1
	Lines   int    // default 20
	Members int    // audiences the shopper is in; default 10
	Group   string // customer group; default "general"
	Coupon  string // the code entered; default none
}

// Cart generates a cart of distinct catalog products (mostly one unit a
// line, some two to six), whose shopper is in Members audiences of the
// registry, evaluated at Now, shipping to the US.
func (p *Project) Cart(o CartOptions) *engine.Cart {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Lines == 0 {
		o.Lines = 20
	}
	if o.Members == 0 {
		o.Members = 10
	}
	if o.Group == "" {
		o.Group = "general"
	}
	r := rand.New(rand.NewPCG(o.Seed, 0xca47))
	usd, _ := money.LookupCurrency("USD")
	c := &engine.Cart{
		Website: "base", Currency: usd, Now: Now,
		Customer:   engine.Customer{ID: "c-10042", Group: o.Group},
		CouponCode: o.Coupon,
		Shipping: engine.Shipping{Method: "flatrate_flatrate", Amount: money.MustParse("9.95"),
			Country: "US", Region: "WA", Postcode: "98103"},
		Payment: engine.Payment{Method: "checkmo"},
	}
	for _, i := range r.Perm(len(p.Audiences))[:min(o.Members, len(p.Audiences))] {
		c.Segments = append(c.Segments, p.Audiences[i].ID)
	}
	for _, i := range r.Perm(len(p.Catalog.Products))[:min(o.Lines, len(p.Catalog.Products))] {
		pr := p.Catalog.Products[i]
		qty := int64(1)
		switch u := r.Float64(); {
		case u < 0.15:
			qty = int64(4 + r.IntN(3))
		case u < 0.40:
			qty = int64(2 + r.IntN(2))
		}
		c.Items = append(c.Items, engine.Item{
			SKU: pr.SKU, Name: pr.Name, Qty: money.FromInt(qty), Price: pr.Price, Weight: pr.Weight,
			Categories: append([]string{}, pr.Categories...),
			Attributes: engine.Attrs{{Name: "brand", Attr: engine.Attr{Str: pr.Brand}}, {Name: "color", Attr: engine.Attr{Str: pr.Color}}},
		})
	}
	return c
}

// BenchCart is the cart every benchmark and load script uses: the default
// cart with the shared code SAVE10 entered.
func (p *Project) BenchCart() *engine.Cart {
	return p.Cart(CartOptions{Coupon: "SAVE10"})
}

// The cart JSON of POST /v1/cart/evaluate.
type (
	cartJSON struct {
		Website  string       `json:"website"`
		Currency string       `json:"currency"`
		Now      string       `json:"now"`
		Customer customerJSON `json:"customer"`
		Coupon   *string      `json:"coupon_code"`
		Segments []string     `json:"segments"`
		Items    []itemJSON   `json:"items"`
		Shipping shippingJSON `json:"shipping"`
		Payment  paymentJSON  `json:"payment"`
	}
	customerJSON struct {
		ID    string `json:"id"`
		Group string `json:"group"`
	}
	itemJSON struct {
		SKU        string            `json:"sku"`
		Name       string            `json:"name"`
		Qty        json.Number       `json:"qty"`
		Price      string            `json:"price"`
		Weight     json.Number       `json:"weight"`
		Categories []string          `json:"categories"`
		Attributes map[string]string `json:"attributes"`
	}
	shippingJSON struct {
		Method   string `json:"method"`
		Amount   string `json:"amount"`
		Country  string `json:"country"`
		Region   string `json:"region"`
		Postcode string `json:"postcode"`
	}
	paymentJSON struct {
		Method string `json:"method"`
	}
)

// CartJSON writes a generated cart as the body POST /v1/cart/evaluate
// takes. Only string attributes are written, which is all Cart makes.
func CartJSON(c *engine.Cart) ([]byte, error) {
	out := cartJSON{
		Website: c.Website, Currency: c.Currency.Code, Now: c.Now.Format(time.RFC3339Nano),
		Customer: customerJSON{ID: c.Customer.ID, Group: c.Customer.Group},
		Segments: c.Segments,
		Shipping: shippingJSON{Method: c.Shipping.Method, Amount: c.Shipping.Amount.String(),
			Country: c.Shipping.Country, Region: c.Shipping.Region, Postcode: c.Shipping.Postcode},
		Payment: paymentJSON{Method: c.Payment.Method},
	}
	if c.CouponCode != "" {
		out.Coupon = &c.CouponCode
	}
	for _, it := range c.Items {
		attrs := map[string]string{}
		for _, a := range it.Attributes {
			attrs[a.Name] = a.Str
		}
		out.Items = append(out.Items, itemJSON{SKU: it.SKU, Name: it.Name, Qty: json.Number(it.Qty.String()),
			Price: it.Price.StringFixed(2), Weight: json.Number(it.Weight.String()), Categories: it.Categories, Attributes: attrs})
	}
	return json.MarshalIndent(out, "", "  ")
}
