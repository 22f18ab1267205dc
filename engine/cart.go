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
	// (item.attributes.brand). Values are strings, numbers, booleans or
	// lists of strings.
	Attributes map[string]Attr
}

// Attr is a product attribute value. Exactly one of its forms is set.
type Attr struct {
	Str    string
	Num    money.Decimal
	IsNum  bool
	Bool   bool
	IsBool bool
	List   []string
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
