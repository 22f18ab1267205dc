package engine

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
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

// Allowed fields of each object, in the order the contract documents them,
// and their indexes in those lists, by which the checks read them.
var (
	cartFields = []string{cartWebsite: "website", cartCurrency: "currency", cartNow: "now", cartCustomer: "customer",
		cartCoupon: "coupon_code", cartSegments: "segments", cartItems: "items", cartShipping: "shipping", cartPayment: "payment"}
	customerFields = []string{customerID: "id", customerGroup: "group"}
	itemFields     = []string{itemSKU: "sku", itemName: "name", itemQty: "qty", itemPrice: "price", itemWeight: "weight", itemCategories: "categories", itemAttributes: "attributes"}
	shippingFields = []string{shippingMethod: "method", shippingAmount: "amount", shippingCountry: "country", shippingRegion: "region", shippingPostcode: "postcode"}
	paymentFields  = []string{paymentMethod: "method"}
)

const (
	cartWebsite = iota
	cartCurrency
	cartNow
	cartCustomer
	cartCoupon
	cartSegments
	cartItems
	cartShipping
	cartPayment
)

const (
	customerID = iota
	customerGroup
)

const (
	itemSKU = iota
	itemName
	itemQty
	itemPrice
	itemWeight
	itemCategories
	itemAttributes
)

const (
	shippingMethod = iota
	shippingAmount
	shippingCountry
	shippingRegion
	shippingPostcode
)

const paymentMethod = 0

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
	j, err := ParseJSON(data)
	if err != nil {
		return nil, err
	}
	defer j.Release()
	return j.Root().DecodeCart(def, nil)
}

// DecodeCart reads the cart v, a value of a parsed body, with the contract
// and the checks of the package function DecodeCart; fields are named by
// their path from v. Members of v named in others belong to the caller, who
// reads them from the same parse: they are neither decoded nor rejected as
// unknown. The cart refers to nothing of v's JSON: it may be released.
func (v JSONValue) DecodeCart(def CartDefaults, others []string) (*Cart, error) {
	if v.node().kind != jsonObject {
		return nil, inputErr("", "the body must be a JSON object, got %s", v.Kind())
	}
	f, err := checkObject("", v, cartFields, others)
	if err != nil {
		return nil, err
	}
	d := cartDecoder{j: v.j}
	d.texts.left = v.j.texts
	c, err := d.header(&f, def)
	if err != nil {
		return nil, err
	}
	if v, ok := f.get(cartCustomer); ok {
		if c.Customer, err = d.customer(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get(cartSegments); ok {
		if c.Segments, err = d.segments(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get(cartItems); ok {
		if c.Items, err = d.items(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get(cartShipping); ok {
		if c.Shipping, err = d.shipping(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get(cartPayment); ok {
		pf, err := checkObject("payment", v, paymentFields, nil)
		if err != nil {
			return nil, err
		}
		if c.Payment.Method, err = optString(&d.texts, &pf, "payment", paymentMethod); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// cartDecoder is the state of one decoding: the blocks a cart's strings,
// string lists and attributes are cut from, so that they cost an
// allocation or two together rather than one each, and refer to nothing of
// the parse.
type cartDecoder struct {
	j     *JSON
	texts texts
	strs  []string
	// attrs is the block the lines' attributes are cut from.
	attrs []NamedAttr
}

// texts copies the strings a cart keeps out of the parse, into a block of
// its own: one allocation for all of them, a fraction of the body's size.
type texts struct {
	b strings.Builder
	// left bounds what is still to copy: the bytes of the body's string
	// values not yet asked for. The block is sized from it.
	left int
	// names are the attribute names copied so far, by hashOf their bytes:
	// every line names the same few, which are copied once. (The block
	// has room for a few names beyond left.)
	names [16]string
}

// copy returns the string b, a value of the body, copied into t's block.
func (t *texts) copy(b []byte) string {
	t.left -= len(b)
	if len(b) == 0 {
		return ""
	}
	return t.add(b)
}

// name returns b, the name of a line's attribute, copied into t's block
// unless it is one of the names copied before.
func (t *texts) name(b []byte) string {
	h := &t.names[hashOf(b)%uint(len(t.names))]
	if *h != string(b) {
		*h = t.add(b)
	}
	return *h
}

// hashOf is a cheap hash of a non-empty string, enough to tell apart the
// few attribute names of a cart.
func hashOf(b []byte) uint {
	n := len(b)
	return uint(n) + 7*uint(b[0]) + 31*uint(b[n-1]) + 131*uint(b[n/2])
}

// add copies b into t's block, starting a new one when it has no room. A
// block is written once and never changed, so the strings cut from it are
// immutable.
func (t *texts) add(b []byte) string {
	if t.b.Cap()-t.b.Len() < len(b) {
		t.b = strings.Builder{}
		t.b.Grow(max(t.left, 0) + len(b) + 64)
	}
	n := t.b.Len()
	t.b.Write(b)
	return t.b.String()[n:]
}

// list returns n strings cut from d's backing array, capacity n, so that
// appending to one list never writes into the next.
func (d *cartDecoder) list(n int) []string {
	if cap(d.strs)-len(d.strs) < n {
		d.strs = make([]string, 0, max(n, d.j.lists))
	}
	k := len(d.strs)
	d.strs = d.strs[:k+n]
	return d.strs[k : k+n : k+n]
}

// header reads the cart's plain string fields and applies the defaults.
func (d *cartDecoder) header(f *object, def CartDefaults) (*Cart, error) {
	var v [4]string
	for i, k := range []int{cartWebsite, cartCurrency, cartNow, cartCoupon} {
		var err error
		if v[i], err = optString(&d.texts, f, "", k); err != nil {
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

func (d *cartDecoder) customer(v JSONValue) (Customer, error) {
	f, err := checkObject("customer", v, customerFields, nil)
	if err != nil {
		return Customer{}, err
	}
	cu := Customer{Group: DefaultGroup}
	if cu.ID, err = optString(&d.texts, &f, "customer", customerID); err != nil {
		return Customer{}, err
	}
	g, err := optString(&d.texts, &f, "customer", customerGroup)
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
func (d *cartDecoder) segments(v JSONValue) ([]string, error) {
	l, err := d.stringList("segments", v)
	if err != nil || len(l) == 0 {
		return nil, err
	}
	// Compact l in place: ids[w] is written only after l[w] was read. A
	// few ids are compared with the ones kept; many, through a map.
	ids := l[:0]
	var seen map[string]bool
	if len(l) > 16 {
		seen = make(map[string]bool, len(l))
	}
	for i, id := range l {
		if id == "" {
			return nil, inputErr(diag.Index("segments", i), "must not be empty")
		}
		if seen != nil {
			if seen[id] {
				continue
			}
			seen[id] = true
		} else if slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// stringList reads an array of strings; an empty array gives nil.
func (d *cartDecoder) stringList(path string, v JSONValue) ([]string, error) {
	if err := array(path, v, maxList, "values"); err != nil || v.Len() == 0 {
		return nil, err
	}
	l := d.list(v.Len())
	e := v.child()
	for i := range l {
		if e.node().kind != jsonString {
			return nil, typeErr(diag.Index(path, i), "a string", e)
		}
		l[i] = d.texts.copy(e.text())
		e = e.sibling()
	}
	return l, nil
}

func (d *cartDecoder) items(v JSONValue, cur money.Currency) ([]Item, error) {
	if err := array("items", v, maxCartItems, "items"); err != nil || v.Len() == 0 {
		return nil, err
	}
	out := make([]Item, v.Len())
	// One block holds every line's attributes.
	attrs := 0
	e := v.child()
	for range v.Len() {
		if e.node().kind == jsonObject {
			m := e.child()
			for range e.Len() {
				if a := m.value(); m.is("attributes") && a.node().kind == jsonObject {
					attrs += a.Len()
				}
				m = m.nextMember()
			}
		}
		e = e.sibling()
	}
	if attrs > 0 {
		d.attrs = make([]NamedAttr, 0, attrs)
	}
	e = v.child()
	for i := range out {
		if err := d.item(&out[i], e, cur); err != nil {
			return nil, within(diag.Index("items", i), err)
		}
		e = e.sibling()
	}
	return out, nil
}

// within places err, whose Field is a path from the value at path, under
// path. Item checks name fields from the item ("qty", "attributes.size"),
// so that a path is built only for a problem, not for every line.
func within(path string, err error) error {
	ie := err.(*InputError)
	switch {
	case ie.Field == "":
		ie.Field = path
	case ie.Field[0] == '[':
		ie.Field = path + ie.Field
	default:
		ie.Field = path + "." + ie.Field
	}
	return ie
}

// item reads one line into it; fields are named from the item.
func (d *cartDecoder) item(it *Item, v JSONValue, cur money.Currency) error {
	f, err := checkObject("", v, itemFields, nil)
	if err != nil {
		return err
	}
	if it.SKU, err = optString(&d.texts, &f, "", itemSKU); err != nil {
		return err
	}
	if strings.TrimSpace(it.SKU) == "" {
		return inputErr("sku", "required")
	}
	if it.Name, err = optString(&d.texts, &f, "", itemName); err != nil {
		return err
	}
	q, ok := f.get(itemQty)
	if !ok {
		return inputErr("qty", "required")
	}
	if it.Qty, err = quantity("qty", q); err != nil {
		return err
	}
	p, ok := f.get(itemPrice)
	if !ok {
		return inputErr("price", "required")
	}
	if it.Price, err = amount("price", p, cur); err != nil {
		return err
	}
	if w, ok := f.get(itemWeight); ok {
		if it.Weight, err = weight("weight", w); err != nil {
			return err
		}
	}
	if c, ok := f.get(itemCategories); ok {
		l, err := d.stringList("categories", c)
		if err != nil {
			return err
		}
		for i, s := range l {
			if s == "" {
				return inputErr(diag.Index("categories", i), "must not be empty")
			}
		}
		it.Categories = l
	}
	if a, ok := f.get(itemAttributes); ok {
		if it.Attributes, err = d.attributes("attributes", a); err != nil {
			return err
		}
	}
	return nil
}

func (d *cartDecoder) attributes(path string, v JSONValue) (Attrs, error) {
	if err := members(path, v); err != nil || v.Len() == 0 {
		return nil, err
	}
	n := v.Len()
	if cap(d.attrs)-len(d.attrs) < n {
		d.attrs = make([]NamedAttr, 0, n) // not reached: items sized the block
	}
	k := len(d.attrs)
	attrs := d.attrs[k : k : k+n] // full capacity n: appending to it never writes into the next line's
	d.attrs = d.attrs[:k+n]
	m := v.child()
	for range v.Len() {
		name, val := m.text(), m.value()
		if len(name) == 0 {
			return nil, inputErr(path, "attribute names must not be empty")
		}
		var (
			a   Attr
			err error
		)
		switch val.node().kind {
		case jsonString:
			a.Str = d.texts.copy(val.text())
		case jsonNumber:
			a.Num, _, err = number("", val)
			a.IsNum = true
		case jsonBool:
			a.Bool, a.IsBool = val.node().truth, true
		case jsonArray:
			a.List, err = d.stringList("", val)
			a.IsList = true
		default:
			err = typeErr("", "a string, number, boolean or array of strings", val)
		}
		if err != nil {
			return nil, within(diag.Member(path, string(name)), err)
		}
		attrs = append(attrs, NamedAttr{Name: d.texts.name(name), Attr: a})
		m = m.nextMember()
	}
	return attrs, nil
}

func (d *cartDecoder) shipping(v JSONValue, cur money.Currency) (Shipping, error) {
	f, err := checkObject("shipping", v, shippingFields, nil)
	if err != nil {
		return Shipping{}, err
	}
	var s Shipping
	if s.Method, err = optString(&d.texts, &f, "shipping", shippingMethod); err != nil {
		return Shipping{}, err
	}
	if a, ok := f.get(shippingAmount); ok {
		if s.Amount, err = amount("shipping.amount", a, cur); err != nil {
			return Shipping{}, err
		}
	}
	if s.Country, err = optString(&d.texts, &f, "shipping", shippingCountry); err != nil {
		return Shipping{}, err
	}
	if s.Country != "" {
		if !isCountry(s.Country) {
			return Shipping{}, inputErr("shipping.country", "want a two-letter ISO 3166-1 code such as \"US\", got %s", quote(s.Country))
		}
		s.Country = strings.ToUpper(s.Country)
	}
	if s.Region, err = optString(&d.texts, &f, "shipping", shippingRegion); err != nil {
		return Shipping{}, err
	}
	if s.Postcode, err = optString(&d.texts, &f, "shipping", shippingPostcode); err != nil {
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
func amount(path string, v JSONValue, cur money.Currency) (money.Decimal, error) {
	d, places, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest amount ruled accepts", maxAmount)
	case places > cur.Digits: // !cur.Fits(d)
		return money.Decimal{}, inputErr(path, "%s has more decimal places than %s allows (%d)", d, cur.Code, cur.Digits)
	}
	return d, nil
}

func quantity(path string, v JSONValue) (money.Decimal, error) {
	d, places, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() <= 0:
		return money.Decimal{}, inputErr(path, "must be > 0")
	case d.Cmp(maxQty) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest quantity ruled accepts", maxQty)
	case places > maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, maxQtyPlaces)
	}
	return d, nil
}

func weight(path string, v JSONValue) (money.Decimal, error) {
	d, places, err := number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest weight ruled accepts", maxAmount)
	case places > maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, maxQtyPlaces)
	}
	return d, nil
}

// number reads a JSON number, or a string holding one, as money.Parse reads
// its text: no float ever holds it. It also returns the number's
// Decimal.Places (its fractional digits, trailing zeros aside), counted on
// the text, which Places would format first.
func number(path string, v JSONValue) (money.Decimal, int32, error) {
	if k := v.node().kind; k != jsonNumber && k != jsonString {
		return money.Decimal{}, 0, typeErr(path, `a number or a decimal string such as "19.99"`, v)
	}
	text := v.text()
	d, err := parseDecimal(text)
	if err == nil {
		_, frac, _ := bytes.Cut(text, []byte("."))
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		return d, int32(len(frac)), nil
	}
	shown := clip(string(text))
	if v.node().kind == jsonString {
		shown = quote(string(text))
	}
	if errors.Is(err, money.ErrSyntax) {
		return money.Decimal{}, 0, inputErr(path, "want a plain decimal number such as 19.99, got %s", shown)
	}
	return money.Decimal{}, 0, inputErr(path, "%s has too many digits", shown)
}

// parseDecimal is money.Parse without its allocations in the common case:
// a plain decimal of at most 18 digits is c × 10^-k, as money.Parse makes
// it. Anything else, and every error, is money.Parse's.
func parseDecimal(s []byte) (money.Decimal, error) {
	body := bytes.TrimPrefix(s, []byte("-"))
	var c int64
	digits, frac := 0, 0
	dot := false
	for i := 0; i < len(body); i++ {
		switch ch := body[i]; {
		case '0' <= ch && ch <= '9':
			c = c*10 + int64(ch-'0')
			digits++
		case ch == '.' && !dot && i > 0 && i < len(body)-1:
			dot, frac = true, len(body)-1-i
		default:
			return money.Parse(string(s))
		}
	}
	if digits == 0 || digits > 18 {
		return money.Parse(string(s))
	}
	if len(body) < len(s) {
		c = -c
	}
	return money.New(c, -int32(frac)), nil
}
