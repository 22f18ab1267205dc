package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	if kind(body) != "an object" {
		return nil, inputErr("", "the body must be a JSON object, got %s", kind(body))
	}
	f, err := object("", body, cartFields)
	if err != nil {
		return nil, err
	}
	c, err := header(f, def)
	if err != nil {
		return nil, err
	}
	if v, ok := f["customer"]; ok {
		if c.Customer, err = customer(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f["segments"]; ok {
		if c.Segments, err = segments(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f["items"]; ok {
		if c.Items, err = items(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v, ok := f["shipping"]; ok {
		if c.Shipping, err = shipping(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v, ok := f["payment"]; ok {
		pf, err := object("payment", v, paymentFields)
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
func header(f map[string]json.RawMessage, def CartDefaults) (*Cart, error) {
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

func customer(v json.RawMessage) (Customer, error) {
	f, err := object("customer", v, customerFields)
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
func segments(v json.RawMessage) ([]string, error) {
	l, err := stringList("segments", v)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := make(map[string]bool, len(l))
	for i, id := range l {
		if id == "" {
			return nil, inputErr(index("segments", i), "must not be empty")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func items(v json.RawMessage, cur money.Currency) ([]Item, error) {
	elems, err := array("items", v, maxCartItems, "items")
	if err != nil {
		return nil, err
	}
	var out []Item
	for i, e := range elems {
		it, err := item(index("items", i), e, cur)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func item(path string, v json.RawMessage, cur money.Currency) (Item, error) {
	f, err := object(path, v, itemFields)
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
	q, ok := f["qty"]
	if !ok {
		return Item{}, inputErr(path+".qty", "required")
	}
	if it.Qty, err = quantity(path+".qty", q); err != nil {
		return Item{}, err
	}
	p, ok := f["price"]
	if !ok {
		return Item{}, inputErr(path+".price", "required")
	}
	if it.Price, err = amount(path+".price", p, cur); err != nil {
		return Item{}, err
	}
	if w, ok := f["weight"]; ok {
		if it.Weight, err = weight(path+".weight", w); err != nil {
			return Item{}, err
		}
	}
	if c, ok := f["categories"]; ok {
		l, err := stringList(path+".categories", c)
		if err != nil {
			return Item{}, err
		}
		for i, s := range l {
			if s == "" {
				return Item{}, inputErr(index(path+".categories", i), "must not be empty")
			}
		}
		it.Categories = l
	}
	if a, ok := f["attributes"]; ok {
		if it.Attributes, err = attributes(path+".attributes", a); err != nil {
			return Item{}, err
		}
	}
	return it, nil
}

func attributes(path string, v json.RawMessage) (map[string]Attr, error) {
	ms, err := members(path, v)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	attrs := make(map[string]Attr, len(ms))
	for _, m := range ms {
		if m.name == "" {
			return nil, inputErr(path, "attribute names must not be empty")
		}
		p := member(path, m.name)
		var a Attr
		switch kind(m.value) {
		case "a string":
			a.Str = str(m.value)
		case "a number":
			if a.Num, err = number(p, m.value); err != nil {
				return nil, err
			}
			a.IsNum = true
		case "a boolean":
			a.Bool, a.IsBool = m.value[0] == 't', true
		case "an array":
			if a.List, err = stringList(p, m.value); err != nil {
				return nil, err
			}
			a.IsList = true
		default:
			return nil, typeErr(p, "a string, number, boolean or array of strings", m.value)
		}
		attrs[m.name] = a
	}
	return attrs, nil
}

func shipping(v json.RawMessage, cur money.Currency) (Shipping, error) {
	f, err := object("shipping", v, shippingFields)
	if err != nil {
		return Shipping{}, err
	}
	var s Shipping
	if s.Method, err = optString(f, "shipping", "method"); err != nil {
		return Shipping{}, err
	}
	if a, ok := f["amount"]; ok {
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
func amount(path string, v json.RawMessage, cur money.Currency) (money.Decimal, error) {
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

func quantity(path string, v json.RawMessage) (money.Decimal, error) {
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

func weight(path string, v json.RawMessage) (money.Decimal, error) {
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
func number(path string, v json.RawMessage) (money.Decimal, error) {
	var text, shown string
	switch kind(v) {
	case "a number":
		text = string(v)
		shown = clip(text)
	case "a string":
		text = str(v)
		shown = quote(text)
	default:
		return money.Decimal{}, typeErr(path, `a number or a decimal string such as "19.99"`, v)
	}
	d, err := money.Parse(text)
	if errors.Is(err, money.ErrSyntax) {
		return money.Decimal{}, inputErr(path, "want a plain decimal number such as 19.99, got %s", shown)
	} else if err != nil {
		return money.Decimal{}, inputErr(path, "%s has too many digits", shown)
	}
	return d, nil
}

// The JSON plumbing below walks a document that document has already
// checked to be well formed, one level at a time, so that every problem can
// be named by its path.

// document checks that data is one well-formed JSON value with nothing after
// it, and returns that value.
func document(data []byte) (json.RawMessage, error) {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, inputErr("", "the body is not valid UTF-8 at %s", where(data, i))
	}
	dec := newDecoder(data)
	var body json.RawMessage
	if err := dec.Decode(&body); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return nil, inputErr("", "the body is empty; want a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, inputErr("", "malformed JSON: unexpected end of input at %s", where(data, len(data)))
		case errors.As(err, &se):
			return nil, inputErr("", "malformed JSON at %s: %s", where(data, int(se.Offset)-1), se)
		}
		return nil, inputErr("", "malformed JSON: %s", err)
	}
	end := int(dec.InputOffset())
	if i := bytes.IndexFunc(data[end:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return nil, inputErr("", "unexpected data after the JSON object at %s", where(data, end+i))
	}
	return body, nil
}

// where describes byte offset off of data as "line L, column C (byte offset
// off)"; lines and columns count from 1, columns in bytes.
func where(data []byte, off int) string {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("line %d, column %d (byte offset %d)", line, col, off)
}

func newDecoder(b []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d
}

// kind names the JSON type of a well-formed value, with its article, for
// messages and switches.
func kind(v json.RawMessage) string {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func typeErr(path, want string, v json.RawMessage) *InputError {
	return inputErr(path, "want %s, got %s", want, kind(v))
}

// field is one member of a JSON object.
type field struct {
	name  string
	value json.RawMessage
}

// members returns the members of the object v in document order, rejecting
// a name given twice: encoding/json would keep the last silently, and two
// readers of one body must not see different carts.
func members(path string, v json.RawMessage) ([]field, error) {
	if kind(v) != "an object" {
		return nil, typeErr(path, "an object", v)
	}
	dec := newDecoder(v)
	if _, err := dec.Token(); err != nil {
		return nil, inputErr(path, "malformed JSON: %s", err)
	}
	var fs []field
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, inputErr(path, "malformed JSON: %s", err)
		}
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, inputErr(member(path, name), "malformed JSON: %s", err)
		}
		if seen[name] {
			return nil, inputErr(member(path, name), "duplicate field")
		}
		seen[name] = true
		fs = append(fs, field{name, value})
	}
	return fs, nil
}

// object returns the members of the object v by name, rejecting names not in
// allowed and leaving out members that are null (not given).
func object(path string, v json.RawMessage, allowed []string) (map[string]json.RawMessage, error) {
	fs, err := members(path, v)
	if err != nil {
		return nil, err
	}
	m := make(map[string]json.RawMessage, len(fs))
	for _, f := range fs {
		if !contains(allowed, f.name) {
			msg := "unknown field"
			if s := suggest(f.name, allowed); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return nil, inputErr(member(path, f.name), "%s (allowed: %s)", msg, strings.Join(allowed, ", "))
		}
		if kind(f.value) != "null" {
			m[f.name] = f.value
		}
	}
	return m, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// suggest is diag.Suggest, falling back to the one allowed name that starts
// with what was written ("coupon" for "coupon_code"), which edit distance
// alone finds too far.
func suggest(name string, allowed []string) string {
	if s := diag.Suggest(name, allowed); s != "" {
		return s
	}
	if len(name) < 3 {
		return ""
	}
	found := ""
	for _, a := range allowed {
		if strings.HasPrefix(strings.ToLower(a), strings.ToLower(name)) {
			if found != "" {
				return ""
			}
			found = a
		}
	}
	return found
}

// array returns the elements of the array v, at most limit of them.
func array(path string, v json.RawMessage, limit int, what string) ([]json.RawMessage, error) {
	if kind(v) != "an array" {
		return nil, typeErr(path, "an array", v)
	}
	dec := newDecoder(v)
	if _, err := dec.Token(); err != nil {
		return nil, inputErr(path, "malformed JSON: %s", err)
	}
	var elems []json.RawMessage
	for dec.More() {
		if len(elems) == limit {
			return nil, inputErr(path, "more than %d %s, the most ruled accepts", limit, what)
		}
		var e json.RawMessage
		if err := dec.Decode(&e); err != nil {
			return nil, inputErr(index(path, len(elems)), "malformed JSON: %s", err)
		}
		elems = append(elems, e)
	}
	return elems, nil
}

// stringList reads an array of strings; an empty array gives nil.
func stringList(path string, v json.RawMessage) ([]string, error) {
	elems, err := array(path, v, maxList, "values")
	if err != nil {
		return nil, err
	}
	var l []string
	for i, e := range elems {
		if kind(e) != "a string" {
			return nil, typeErr(index(path, i), "a string", e)
		}
		l = append(l, str(e))
	}
	return l, nil
}

// optString returns the string member name of the object f at path, or ""
// when it is absent.
func optString(f map[string]json.RawMessage, path, name string) (string, error) {
	v, ok := f[name]
	if !ok {
		return "", nil
	}
	if kind(v) != "a string" {
		return "", typeErr(member(path, name), "a string", v)
	}
	return str(v), nil
}

// str decodes a well-formed JSON string.
func str(v json.RawMessage) string {
	var s string
	_ = json.Unmarshal(v, &s) // v is a checked string literal: cannot fail
	return s
}

// member returns the path of member name of the object at path: path.name,
// or path["odd name"] when name is not a plain identifier.
func member(path, name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}

// index returns the path of element i of the array at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// quote quotes s for a message, clipped to a readable length.
func quote(s string) string { return strconv.Quote(clip(s)) }

// clip shortens s to about 40 bytes, on a rune boundary, marking the cut.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
