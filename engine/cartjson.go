package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// This file is the cart JSON contract: the body a storefront posts, decoded
// into a Cart with every problem named by its JSON path. Numbers are never
// floats: the decoder keeps each number's text and money.Parse reads it.

// CartDefaults fill what a cart leaves out.
type CartDefaults struct {
	// Currency is the cart's currency when the request names none: the
	// project's currency.
	Currency money.Currency
	// Websites holds the currency of websites that price in another one,
	// by website code (folded to lower case).
	Websites map[string]money.Currency
}

// InputError is a problem with one field of a request, named by its JSON path.
type InputError struct {
	// Field is the JSON path of the value at fault ("items[2].qty",
	// "shipping.amount", "items[0].attributes.size"), or "" when the problem
	// is the body as a whole (malformed JSON, not an object).
	Field string
	// Message is lower-case and says what was found and what was expected.
	Message string
}

// Error returns "field: message", or just the message when Field is "".
func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func inputErr(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Sanity bounds. They are far above any real cart and keep a broken or
// hostile client from making evaluation expensive.
const (
	maxCartItems = 1000 // lines in one cart
	maxList      = 1000 // strings in segments, categories, an attribute list
	// maxQtyPlaces is Magento's precision for quantities and weights: both
	// are decimal(12,4) columns in the quote tables.
	maxQtyPlaces = 4
)

var (
	maxAmount = money.New(1, 12) // largest price, shipping amount or weight
	maxQty    = money.New(1, 6)  // largest quantity of one line
)

// Allowed fields of each object, in the order the contract documents them.
var (
	cartFields     = []string{"website", "currency", "now", "customer", "coupon_code", "segments", "items", "shipping", "payment"}
	customerFields = []string{"id", "group"}
	itemFields     = []string{"sku", "name", "qty", "price", "weight", "categories", "attributes"}
	shippingFields = []string{"method", "amount", "country", "region", "postcode"}
	paymentFields  = []string{"method"}
)

// DecodeCart reads a cart from its JSON form:
//
//	{"website": "base", "currency": "USD", "now": "2025-11-28T09:00:00Z",
//	 "customer": {"id": "42", "group": "general"}, "coupon_code": "SAVE10",
//	 "segments": ["0d8f2a1c-..."],
//	 "items": [{"sku": "MJ01", "name": "Jacket", "qty": 1, "price": "19.99",
//	            "weight": 1.5, "categories": ["12"],
//	            "attributes": {"brand": "Luma", "size": 42, "new": true, "colors": ["red"]}}],
//	 "shipping": {"method": "flatrate_flatrate", "amount": 5, "country": "US",
//	              "region": "CA", "postcode": "90210"},
//	 "payment": {"method": "checkmo"}}
//
// Every field is optional except each item's sku, qty and price. A field that
// is null, or an empty string where a code is expected, counts as not given:
// the website defaults to DefaultWebsite, the customer group to DefaultGroup,
// the currency to def.Currency, now to the zero time. Amounts, quantities and
// weights are JSON numbers or strings in plain decimal notation ("19.99"; no
// exponent). Prices and the shipping amount must be ≥ 0 and a whole number
// of the currency's minor units; quantities > 0; weights ≥ 0; quantities and
// weights have at most 4 decimal places (Magento's precision). As sanity
// bounds, amounts and weights above 10^12, a quantity above 10^6 and more
// than 1000 items, segments, categories or list values are rejected.
// Attribute values are strings, numbers, booleans or arrays of strings. The
// coupon code is trimmed of white space, as Magento does; a shipping country
// is two letters and is upper-cased. Items keep their order.
//
// Any problem is an *InputError naming the field: unknown fields (with the
// allowed ones and a "did you mean"), duplicate fields, wrong types, invalid
// values, malformed JSON (with line, column and byte offset), and data after
// the object. The first problem in a fixed order is reported. DecodeCart keeps
// no state and is safe for concurrent use.
func DecodeCart(data []byte, def CartDefaults) (*Cart, error) {
	body, err := document(data)
	if err != nil {
		return nil, err
	}
	if body.kind != jsonObject {
		return nil, inputErr("", "the body must be a JSON object, got %s", kind(&body))
	}
	f, err := checkObject("", &body, cartFields)
	if err != nil {
		return nil, err
	}
	c, err := header(f, def)
	if err != nil {
		return nil, err
	}
	if v := f.get("customer"); v != nil {
		if c.Customer, err = customer(v); err != nil {
			return nil, err
		}
	}
	if v := f.get("segments"); v != nil {
		if c.Segments, err = segments(v); err != nil {
			return nil, err
		}
	}
	if v := f.get("items"); v != nil {
		if c.Items, err = items(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v := f.get("shipping"); v != nil {
		if c.Shipping, err = shipping(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v := f.get("payment"); v != nil {
		pf, err := checkObject("payment", v, paymentFields)
		if err != nil {
			return nil, err
		}
		if c.Payment.Method, err = optString(pf, "payment", "method"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// header reads the cart's plain string fields and applies the defaults.
func header(f object, def CartDefaults) (*Cart, error) {
	var v [4]string
	for i, name := range []string{"website", "currency", "now", "coupon_code"} {
		var err error
		if v[i], err = optString(f, "", name); err != nil {
			return nil, err
		}
	}
	website, currency, now, coupon := v[0], v[1], v[2], v[3]
	c := &Cart{
		Website:  DefaultWebsite,
		Currency: def.Currency,
		Customer: Customer{Group: DefaultGroup},
		// Magento trims the code a shopper types before looking it up.
		CouponCode: strings.TrimSpace(coupon),
	}
	if website != "" {
		c.Website = website
	}
	if cur, ok := def.Websites[strings.ToLower(c.Website)]; ok {
		c.Currency = cur
	}
	if currency != "" {
		cur, err := money.ParseCurrency(currency)
		if err != nil {
			return nil, &InputError{Field: "currency", Message: err.Error()}
		}
		c.Currency = cur
	}
	if c.Currency.Code == "" {
		return nil, inputErr("currency", "required: the cart names no currency and there is no default")
	}
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return nil, inputErr("now", "not an RFC 3339 time such as \"2025-11-28T09:00:00Z\", got %s", quote(now))
		}
		c.Now = t
	}
	return c, nil
}

func customer(v *jsonValue) (Customer, error) {
	f, err := checkObject("customer", v, customerFields)
	if err != nil {
		return Customer{}, err
	}
	cu := Customer{Group: DefaultGroup}
	if cu.ID, err = optString(f, "customer", "id"); err != nil {
		return Customer{}, err
	}
	g, err := optString(f, "customer", "group")
	if err != nil {
		return Customer{}, err
	}
	if g != "" {
		cu.Group = g
	}
	return cu, nil
}

// segments reads the segment ids: non-empty strings, duplicates dropped in
// first-seen order, as package membership does for the cookie.
func segments(v *jsonValue) ([]string, error) {
	l, err := stringList("segments", v)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := make(map[string]bool, len(l))
	for i, id := range l {
		if id == "" {
			return nil, inputErr(diag.Index("segments", i), "must not be empty")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func items(v *jsonValue, cur money.Currency) ([]Item, error) {
	elems, err := array("items", v, maxCartItems, "items")
	if err != nil || len(elems) == 0 {
		return nil, err
	}
	out := make([]Item, len(elems))
	for i := range elems {
		if out[i], err = item(diag.Index("items", i), &elems[i], cur); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func item(path string, v *jsonValue, cur money.Currency) (Item, error) {
	f, err := checkObject(path, v, itemFields)
	if err != nil {
		return Item{}, err
	}
	var it Item
	if it.SKU, err = optString(f, path, "sku"); err != nil {
		return Item{}, err
	}
	if strings.TrimSpace(it.SKU) == "" {
		return Item{}, inputErr(path+".sku", "required")
	}
	if it.Name, err = optString(f, path, "name"); err != nil {
		return Item{}, err
	}
	q := f.get("qty")
	if q == nil {
		return Item{}, inputErr(path+".qty", "required")
	}
	if it.Qty, err = quantity(path+".qty", q); err != nil {
		return Item{}, err
	}
	p := f.get("price")
	if p == nil {
		return Item{}, inputErr(path+".price", "required")
	}
	if it.Price, err = amount(path+".price", p, cur); err != nil {
		return Item{}, err
	}
	if w := f.get("weight"); w != nil {
		if it.Weight, err = weight(path+".weight", w); err != nil {
			return Item{}, err
		}
	}
	if c := f.get("categories"); c != nil {
		l, err := stringList(path+".categories", c)
		if err != nil {
			return Item{}, err
		}
		for i, s := range l {
			if s == "" {
				return Item{}, inputErr(diag.Index(path+".categories", i), "must not be empty")
			}
		}
		it.Categories = l
	}
	if a := f.get("attributes"); a != nil {
		if it.Attributes, err = attributes(path+".attributes", a); err != nil {
			return Item{}, err
		}
	}
	return it, nil
}

func attributes(path string, v *jsonValue) (map[string]Attr, error) {
	ms, err := members(path, v)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	attrs := make(map[string]Attr, len(ms))
	for i := range ms {
		m := &ms[i]
		if m.name == "" {
			return nil, inputErr(path, "attribute names must not be empty")
		}
		var a Attr
		switch m.value.kind {
		case jsonString:
			a.Str = m.value.text
		case jsonNumber:
			if a.Num, err = number(diag.Member(path, m.name), &m.value); err != nil {
				return nil, err
			}
			a.IsNum = true
		case jsonBool:
			a.Bool, a.IsBool = m.value.truth, true
		case jsonArray:
			if a.List, err = stringList(diag.Member(path, m.name), &m.value); err != nil {
				return nil, err
			}
			a.IsList = true
		default:
			return nil, typeErr(diag.Member(path, m.name), "a string, number, boolean or array of strings", &m.value)
		}
		attrs[m.name] = a
	}
	return attrs, nil
}

func shipping(v *jsonValue, cur money.Currency) (Shipping, error) {
	f, err := checkObject("shipping", v, shippingFields)
	if err != nil {
		return Shipping{}, err
	}
	var s Shipping
	if s.Method, err = optString(f, "shipping", "method"); err != nil {
		return Shipping{}, err
	}
	if a := f.get("amount"); a != nil {
		if s.Amount, err = amount("shipping.amount", a, cur); err != nil {
			return Shipping{}, err
		}
	}
	if s.Country, err = optString(f, "shipping", "country"); err != nil {
		return Shipping{}, err
	}
	if s.Country != "" {
		if !isCountry(s.Country) {
			return Shipping{}, inputErr("shipping.country", "want a two-letter ISO 3166-1 code such as \"US\", got %s", quote(s.Country))
		}
		s.Country = strings.ToUpper(s.Country)
	}
	if s.Region, err = optString(f, "shipping", "region"); err != nil {
		return Shipping{}, err
	}
	if s.Postcode, err = optString(f, "shipping", "postcode"); err != nil {
		return Shipping{}, err
	}
	return s, nil
}

func isCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := range 2 {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// amount reads a price or shipping amount: ≥ 0, at most maxAmount, in whole
// minor units of cur.
func amount(path string, v *jsonValue, cur money.Currency) (money.Decimal, error) {
	d, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest amount ruled accepts", maxAmount)
	case !cur.Fits(d):
		return money.Decimal{}, inputErr(path, "%s has more decimal places than %s allows (%d)", d, cur.Code, cur.Digits)
	}
	return d, nil
}

func quantity(path string, v *jsonValue) (money.Decimal, error) {
	d, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() <= 0:
		return money.Decimal{}, inputErr(path, "must be > 0")
	case d.Cmp(maxQty) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest quantity ruled accepts", maxQty)
	case d.Places() > maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, maxQtyPlaces)
	}
	return d, nil
}

func weight(path string, v *jsonValue) (money.Decimal, error) {
	d, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest weight ruled accepts", maxAmount)
	case d.Places() > maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, maxQtyPlaces)
	}
	return d, nil
}

// number reads a JSON number, or a string holding one, with money.Parse on
// its text: no float ever holds it.
func number(path string, v *jsonValue) (money.Decimal, error) {
	if v.kind != jsonNumber && v.kind != jsonString {
		return money.Decimal{}, typeErr(path, `a number or a decimal string such as "19.99"`, v)
	}
	d, err := money.Parse(v.text)
	if err == nil {
		return d, nil
	}
	shown := clip(v.text)
	if v.kind == jsonString {
		shown = quote(v.text)
	}
	if errors.Is(err, money.ErrSyntax) {
		return money.Decimal{}, inputErr(path, "want a plain decimal number such as 19.99, got %s", shown)
	}
	return money.Decimal{}, inputErr(path, "%s has too many digits", shown)
}
