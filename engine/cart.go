package engine

import (
	"time"

	"github.com/ruled/ruled/money"
)

// Cart is what a storefront asks about: the shopper, the lines and the
// shipping choice, as they are before any cart price rule.
type Cart struct {
	Website    string         // website code; "base" when not given
	Currency   money.Currency // the project's currency when not given
	Now        time.Time      // evaluation instant; zero means the clock's now
	Customer   Customer
	CouponCode string
	// Segments are the shopper's CDP segment ids, already decoded (see
	// package membership). Ids not in the audience registry match nothing.
	Segments []string
	Items    []Item
	Shipping Shipping
	Payment  Payment
}

// Customer is who is shopping.
type Customer struct {
	ID    string
	Group string // "guest" when not given
}

// Item is one cart line.
type Item struct {
	SKU        string
	Name       string
	Qty        money.Decimal // > 0; may be fractional (sold by weight)
	Price      money.Decimal // unit price, ≥ 0, in whole minor units of the currency
	Weight     money.Decimal // unit weight, ≥ 0
	Categories []string
	// Attributes are product attributes used by conditions
	// (item.attributes.brand), in the order the cart gives them, each name
	// once. Values are strings, numbers, booleans or lists of strings.
	Attributes Attrs
}

// Attrs are a line's attributes. A slice rather than a map: a cart's
// lines have a few each, and one block holds every line's.
type Attrs []NamedAttr

// NamedAttr is one attribute of a line.
type NamedAttr struct {
	Name string
	Attr
}

// Get returns the attribute named name.
func (a Attrs) Get(name string) (Attr, bool) {
	for i := range a {
		if a[i].Name == name {
			return a[i].Attr, true
		}
	}
	return Attr{}, false
}

// Set gives the attribute named name the value v, replacing the one it
// had.
func (a *Attrs) Set(name string, v Attr) {
	for i := range *a {
		if (*a)[i].Name == name {
			(*a)[i].Attr = v
			return
		}
	}
	*a = append(*a, NamedAttr{Name: name, Attr: v})
}

// Attr is a product attribute value. Exactly one of its forms is set.
type Attr struct {
	Str    string
	Num    money.Decimal
	List   []string
	IsNum  bool
	Bool   bool
	IsBool bool
	IsList bool
}

// Shipping is the shipping choice of the cart.
type Shipping struct {
	Method   string        // carrier_method code, e.g. "flatrate_flatrate"
	Amount   money.Decimal // what shipping costs before discounts
	Country  string        // ISO 3166-1 alpha-2
	Region   string
	Postcode string
}

// Payment is the payment choice of the cart.
type Payment struct {
	Method string // e.g. "checkmo"
}

// Defaults fill what a cart leaves out.
const (
	DefaultWebsite = "base"
	DefaultGroup   = "guest"
)
