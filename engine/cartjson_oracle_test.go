package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// This file is the cart decoder ruled used before the streaming one, on
// encoding/json's Decoder.Token, kept as the oracle of the differential
// tests: for every body, DecodeCart must give what v1DecodeCart gives, the
// same cart or the same error, word for word. Its names carry the prefix v1.

// This file is the cart JSON contract: the body a storefront posts, decoded
// into a Cart with every problem named by its JSON path. Numbers are never
// floats: the decoder keeps each number's text and money.Parse reads it.

// Sanity bounds. They are far above any real cart and keep a broken or
// hostile client from making evaluation expensive.
const (
	v1maxCartItems = 1000 // lines in one cart
	v1maxList      = 1000 // strings in segments, categories, an attribute list
	// maxQtyPlaces is Magento's precision for quantities and weights: both
	// are decimal(12,4) columns in the quote tables.
	v1maxQtyPlaces = 4
)

var (
	v1maxAmount = money.New(1, 12) // largest price, shipping amount or weight
	v1maxQty    = money.New(1, 6)  // largest quantity of one line
)

// Allowed fields of each object, in the order the contract documents them.
var (
	v1cartFields     = []string{"website", "currency", "now", "customer", "coupon_code", "segments", "items", "shipping", "payment"}
	v1customerFields = []string{"id", "group"}
	v1itemFields     = []string{"sku", "name", "qty", "price", "weight", "categories", "attributes"}
	v1shippingFields = []string{"method", "amount", "country", "region", "postcode"}
	v1paymentFields  = []string{"method"}
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
func v1DecodeCart(data []byte, def CartDefaults) (*Cart, error) {
	body, err := v1document(data)
	if err != nil {
		return nil, err
	}
	if body.v1kind != v1jsonObject {
		return nil, inputErr("", "the body must be a JSON object, got %s", v1kind(&body))
	}
	f, err := v1checkObject("", &body, v1cartFields)
	if err != nil {
		return nil, err
	}
	c, err := v1header(f, def)
	if err != nil {
		return nil, err
	}
	if v := f.get("customer"); v != nil {
		if c.Customer, err = v1customer(v); err != nil {
			return nil, err
		}
	}
	if v := f.get("segments"); v != nil {
		if c.Segments, err = v1segments(v); err != nil {
			return nil, err
		}
	}
	if v := f.get("items"); v != nil {
		if c.Items, err = v1items(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v := f.get("shipping"); v != nil {
		if c.Shipping, err = v1shipping(v, c.Currency); err != nil {
			return nil, err
		}
	}
	if v := f.get("payment"); v != nil {
		pf, err := v1checkObject("payment", v, v1paymentFields)
		if err != nil {
			return nil, err
		}
		if c.Payment.Method, err = v1optString(pf, "payment", "method"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// header reads the cart's plain string fields and applies the defaults.
func v1header(f v1object, def CartDefaults) (*Cart, error) {
	var v [4]string
	for i, name := range []string{"website", "currency", "now", "coupon_code"} {
		var err error
		if v[i], err = v1optString(f, "", name); err != nil {
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
			return nil, inputErr("now", "not an RFC 3339 time such as \"2025-11-28T09:00:00Z\", got %s", v1quote(now))
		}
		c.Now = t
	}
	return c, nil
}

func v1customer(v *v1jsonValue) (Customer, error) {
	f, err := v1checkObject("customer", v, v1customerFields)
	if err != nil {
		return Customer{}, err
	}
	cu := Customer{Group: DefaultGroup}
	if cu.ID, err = v1optString(f, "customer", "id"); err != nil {
		return Customer{}, err
	}
	g, err := v1optString(f, "customer", "group")
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
func v1segments(v *v1jsonValue) ([]string, error) {
	l, err := v1stringList("segments", v)
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

func v1items(v *v1jsonValue, cur money.Currency) ([]Item, error) {
	elems, err := v1array("items", v, v1maxCartItems, "items")
	if err != nil || len(elems) == 0 {
		return nil, err
	}
	out := make([]Item, len(elems))
	for i := range elems {
		if out[i], err = v1item(diag.Index("items", i), &elems[i], cur); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func v1item(path string, v *v1jsonValue, cur money.Currency) (Item, error) {
	f, err := v1checkObject(path, v, v1itemFields)
	if err != nil {
		return Item{}, err
	}
	var it Item
	if it.SKU, err = v1optString(f, path, "sku"); err != nil {
		return Item{}, err
	}
	if strings.TrimSpace(it.SKU) == "" {
		return Item{}, inputErr(path+".sku", "required")
	}
	if it.Name, err = v1optString(f, path, "name"); err != nil {
		return Item{}, err
	}
	q := f.get("qty")
	if q == nil {
		return Item{}, inputErr(path+".qty", "required")
	}
	if it.Qty, err = v1quantity(path+".qty", q); err != nil {
		return Item{}, err
	}
	p := f.get("price")
	if p == nil {
		return Item{}, inputErr(path+".price", "required")
	}
	if it.Price, err = v1amount(path+".price", p, cur); err != nil {
		return Item{}, err
	}
	if w := f.get("weight"); w != nil {
		if it.Weight, err = v1weight(path+".weight", w); err != nil {
			return Item{}, err
		}
	}
	if c := f.get("categories"); c != nil {
		l, err := v1stringList(path+".categories", c)
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
		if it.Attributes, err = v1attributes(path+".attributes", a); err != nil {
			return Item{}, err
		}
	}
	return it, nil
}

func v1attributes(path string, v *v1jsonValue) (Attrs, error) {
	ms, err := v1members(path, v)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	attrs := make(Attrs, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		if m.name == "" {
			return nil, inputErr(path, "attribute names must not be empty")
		}
		var a Attr
		switch m.value.v1kind {
		case v1jsonString:
			a.Str = m.value.text
		case v1jsonNumber:
			if a.Num, err = v1number(diag.Member(path, m.name), &m.value); err != nil {
				return nil, err
			}
			a.IsNum = true
		case v1jsonBool:
			a.Bool, a.IsBool = m.value.truth, true
		case v1jsonArray:
			if a.List, err = v1stringList(diag.Member(path, m.name), &m.value); err != nil {
				return nil, err
			}
			a.IsList = true
		default:
			return nil, v1typeErr(diag.Member(path, m.name), "a string, number, boolean or array of strings", &m.value)
		}
		attrs = append(attrs, NamedAttr{Name: m.name, Attr: a})
	}
	return attrs, nil
}

func v1shipping(v *v1jsonValue, cur money.Currency) (Shipping, error) {
	f, err := v1checkObject("shipping", v, v1shippingFields)
	if err != nil {
		return Shipping{}, err
	}
	var s Shipping
	if s.Method, err = v1optString(f, "shipping", "method"); err != nil {
		return Shipping{}, err
	}
	if a := f.get("amount"); a != nil {
		if s.Amount, err = v1amount("shipping.amount", a, cur); err != nil {
			return Shipping{}, err
		}
	}
	if s.Country, err = v1optString(f, "shipping", "country"); err != nil {
		return Shipping{}, err
	}
	if s.Country != "" {
		if !v1isCountry(s.Country) {
			return Shipping{}, inputErr("shipping.country", "want a two-letter ISO 3166-1 code such as \"US\", got %s", v1quote(s.Country))
		}
		s.Country = strings.ToUpper(s.Country)
	}
	if s.Region, err = v1optString(f, "shipping", "region"); err != nil {
		return Shipping{}, err
	}
	if s.Postcode, err = v1optString(f, "shipping", "postcode"); err != nil {
		return Shipping{}, err
	}
	return s, nil
}

func v1isCountry(s string) bool {
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
func v1amount(path string, v *v1jsonValue, cur money.Currency) (money.Decimal, error) {
	d, err := v1number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(v1maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest amount ruled accepts", v1maxAmount)
	case !cur.Fits(d):
		return money.Decimal{}, inputErr(path, "%s has more decimal places than %s allows (%d)", d, cur.Code, cur.Digits)
	}
	return d, nil
}

func v1quantity(path string, v *v1jsonValue) (money.Decimal, error) {
	d, err := v1number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() <= 0:
		return money.Decimal{}, inputErr(path, "must be > 0")
	case d.Cmp(v1maxQty) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest quantity ruled accepts", v1maxQty)
	case d.Places() > v1maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, v1maxQtyPlaces)
	}
	return d, nil
}

func v1weight(path string, v *v1jsonValue) (money.Decimal, error) {
	d, err := v1number(path, v)
	if err != nil {
		return money.Decimal{}, err
	}
	switch {
	case d.Sign() < 0:
		return money.Decimal{}, inputErr(path, "must be ≥ 0")
	case d.Cmp(v1maxAmount) > 0:
		return money.Decimal{}, inputErr(path, "must be ≤ %s, the largest weight ruled accepts", v1maxAmount)
	case d.Places() > v1maxQtyPlaces:
		return money.Decimal{}, inputErr(path, "%s has more than %d decimal places", d, v1maxQtyPlaces)
	}
	return d, nil
}

// number reads a JSON number, or a string holding one, with money.Parse on
// its text: no float ever holds it.
func v1number(path string, v *v1jsonValue) (money.Decimal, error) {
	if v.v1kind != v1jsonNumber && v.v1kind != v1jsonString {
		return money.Decimal{}, v1typeErr(path, `a number or a decimal string such as "19.99"`, v)
	}
	d, err := money.Parse(v.text)
	if err == nil {
		return d, nil
	}
	shown := v1clip(v.text)
	if v.v1kind == v1jsonString {
		shown = v1quote(v.text)
	}
	if errors.Is(err, money.ErrSyntax) {
		return money.Decimal{}, inputErr(path, "want a plain decimal number such as 19.99, got %s", shown)
	}
	return money.Decimal{}, inputErr(path, "%s has too many digits", shown)
}

// This file is the JSON plumbing of the cart contract. One json.Decoder
// reads the body once, token by token, into a small tree that keeps what
// encoding/json's own decoding would lose and the checks in cartjson.go
// need: each object's members in document order, duplicates included, and
// each number's exact text. The checks then walk the tree one level at a
// time, so that every problem can be named by its path.

// jsonKind is the JSON type of a value.
type v1jsonKind uint8

const (
	v1jsonNull v1jsonKind = iota
	v1jsonBool
	v1jsonNumber
	v1jsonString
	v1jsonArray
	v1jsonObject
)

// jsonValue is one value of a well-formed document. Only the fields of its
// kind are set.
type v1jsonValue struct {
	v1kind v1jsonKind
	truth  bool          // a boolean's value
	text   string        // a string's value, or a number's text as written
	elems  []v1jsonValue // an array's elements
	fields []v1field     // an object's members in document order, duplicates kept
}

// field is one member of a JSON object.
type v1field struct {
	name  string
	value v1jsonValue
}

// maxDepth is the nesting limit of encoding/json's scanner. The walk stops
// at the same depth, so that it accepts exactly the documents
// Decoder.Decode accepts, and malformed then explains the rejection.
const v1maxDepth = 10000

var v1errTooDeep = errors.New("exceeded max depth")

// document checks that data is one well-formed JSON value with nothing after
// it, and returns that value.
func v1document(data []byte) (v1jsonValue, error) {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return v1jsonValue{}, inputErr("", "the body is not valid UTF-8 at %s", v1where(data, i))
	}
	dec := v1newDecoder(data)
	body, err := v1walk(dec)
	if err != nil {
		return v1jsonValue{}, v1malformed(data, err)
	}
	end := int(dec.InputOffset())
	if i := bytes.IndexFunc(data[end:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return v1jsonValue{}, inputErr("", "unexpected data after the JSON object at %s", v1where(data, end+i))
	}
	return body, nil
}

// open is an array or object whose end the walk has not reached yet.
type v1open struct {
	v1object bool
	base     int    // where its children start on the walk's stack of them
	keyed    bool   // an object's member name has been read, its value not yet
	key      string // that name
}

// walk reads one JSON value from dec, which has UseNumber set, with one
// pass of Token. The delimiters Token returns are properly nested and each object
// alternates names and values, so the walk only keeps a stack of the
// arrays and objects it is in, and each one's children on a shared stack
// until its end copies them out.
func v1walk(dec *json.Decoder) (v1jsonValue, error) {
	var (
		opens  = make([]v1open, 0, 8)
		elems  = make([]v1jsonValue, 0, 16) // elements of the open arrays, innermost last
		fields = make([]v1field, 0, 32)     // members of the open objects, innermost last
	)
	for {
		t, err := dec.Token()
		if err != nil {
			return v1jsonValue{}, err
		}
		var v v1jsonValue
		switch t := t.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(opens) == v1maxDepth {
					return v1jsonValue{}, v1errTooDeep
				}
				o := v1open{v1object: t == '{', base: len(elems)}
				if o.v1object {
					o.base = len(fields)
				}
				opens = append(opens, o)
				continue
			case '}':
				o := opens[len(opens)-1]
				opens = opens[:len(opens)-1]
				v = v1jsonValue{v1kind: v1jsonObject, fields: slices.Clone(fields[o.base:])}
				fields = fields[:o.base]
			case ']':
				o := opens[len(opens)-1]
				opens = opens[:len(opens)-1]
				v = v1jsonValue{v1kind: v1jsonArray, elems: slices.Clone(elems[o.base:])}
				elems = elems[:o.base]
			}
		case string:
			if n := len(opens); n > 0 && opens[n-1].v1object && !opens[n-1].keyed {
				opens[n-1].keyed, opens[n-1].key = true, t
				continue
			}
			v = v1jsonValue{v1kind: v1jsonString, text: t}
		case json.Number:
			v = v1jsonValue{v1kind: v1jsonNumber, text: string(t)}
		case bool:
			v = v1jsonValue{v1kind: v1jsonBool, truth: t}
		case nil:
			// v is null, the zero jsonValue.
		default:
			// Not reached: with UseNumber, Token returns no other type.
			return v1jsonValue{}, fmt.Errorf("unexpected token %v of type %T", t, t)
		}
		if len(opens) == 0 {
			return v, nil
		}
		if o := &opens[len(opens)-1]; o.v1object {
			fields = append(fields, v1field{o.key, v})
			o.keyed, o.key = false, ""
		} else {
			elems = append(elems, v)
		}
	}
}

// malformed describes why data, which walk rejected, is not one JSON value.
// It asks Decoder.Decode, whose errors are the contract's (Token reports
// other words and offsets for the same faults). Only a bad body reads its
// bytes twice.
func v1malformed(data []byte, walkErr error) *InputError {
	var body json.RawMessage
	err := v1newDecoder(data).Decode(&body)
	var se *json.SyntaxError
	switch {
	case err == nil:
		// Not reached: Token and Decode accept the same documents.
		err = walkErr
	case errors.Is(err, io.EOF):
		return inputErr("", "the body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return inputErr("", "malformed JSON: unexpected end of input at %s", v1where(data, len(data)))
	case errors.As(err, &se):
		return inputErr("", "malformed JSON at %s: %s", v1where(data, int(se.Offset)-1), se)
	}
	return inputErr("", "malformed JSON: %s", err)
}

// where describes byte offset off of data as "line L, column C (byte offset
// off)"; lines and columns count from 1, columns in bytes.
func v1where(data []byte, off int) string {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("line %d, column %d (byte offset %d)", line, col, off)
}

func v1newDecoder(b []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d
}

// kind names the JSON type of v, with its article, for messages.
func v1kind(v *v1jsonValue) string {
	switch v.v1kind {
	case v1jsonObject:
		return "an object"
	case v1jsonArray:
		return "an array"
	case v1jsonString:
		return "a string"
	case v1jsonBool:
		return "a boolean"
	case v1jsonNull:
		return "null"
	}
	return "a number"
}

func v1typeErr(path, want string, v *v1jsonValue) *InputError {
	return inputErr(path, "want %s, got %s", want, v1kind(v))
}

// members returns the members of the object v in document order, rejecting
// a name given twice: encoding/json would keep the last silently, and two
// readers of one body must not see different carts. Duplicates are looked
// for here, when the checks reach the object, rather than by walk, so that
// they are reported in the checks' fixed order like every other problem.
func v1members(path string, v *v1jsonValue) ([]v1field, error) {
	if v.v1kind != v1jsonObject {
		return nil, v1typeErr(path, "an object", v)
	}
	if i := v1firstDuplicate(v.fields); i >= 0 {
		return nil, inputErr(diag.Member(path, v.fields[i].name), "duplicate field")
	}
	return v.fields, nil
}

// firstDuplicate returns the index of the first member whose name an
// earlier member has, or -1.
func v1firstDuplicate(fs []v1field) int {
	// The objects of a cart are small, and comparing each name with the
	// ones before it is cheaper than a map; past a few names, a map keeps a
	// large (or hostile) object linear.
	if len(fs) <= 16 {
		for i := 1; i < len(fs); i++ {
			for j := range i {
				if fs[j].name == fs[i].name {
					return i
				}
			}
		}
		return -1
	}
	seen := make(map[string]bool, len(fs))
	for i, f := range fs {
		if seen[f.name] {
			return i
		}
		seen[f.name] = true
	}
	return -1
}

// object is the members of an object that has passed checkObject: allowed
// names, each at most once.
type v1object []v1field

// checkObject returns the members of the object v, rejecting names not in
// allowed.
func v1checkObject(path string, v *v1jsonValue, allowed []string) (v1object, error) {
	fs, err := v1members(path, v)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if !slices.Contains(allowed, f.name) {
			msg := "unknown field"
			if s := v1suggest(f.name, allowed); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return nil, inputErr(diag.Member(path, f.name), "%s (allowed: %s)", msg, strings.Join(allowed, ", "))
		}
	}
	return v1object(fs), nil
}

// get returns the member name, or nil when it is absent or null (not given).
func (o v1object) get(name string) *v1jsonValue {
	for i := range o {
		if o[i].name == name {
			if o[i].value.v1kind == v1jsonNull {
				return nil
			}
			return &o[i].value
		}
	}
	return nil
}

// suggest is diag.Suggest, falling back to the one allowed name that starts
// with what was written ("coupon" for "coupon_code"), which edit distance
// alone finds too far.
func v1suggest(name string, allowed []string) string {
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
func v1array(path string, v *v1jsonValue, limit int, what string) ([]v1jsonValue, error) {
	if v.v1kind != v1jsonArray {
		return nil, v1typeErr(path, "an array", v)
	}
	if len(v.elems) > limit {
		return nil, inputErr(path, "more than %d %s, the most ruled accepts", limit, what)
	}
	return v.elems, nil
}

// stringList reads an array of strings; an empty array gives nil.
func v1stringList(path string, v *v1jsonValue) ([]string, error) {
	elems, err := v1array(path, v, v1maxList, "values")
	if err != nil || len(elems) == 0 {
		return nil, err
	}
	l := make([]string, len(elems))
	for i := range elems {
		if elems[i].v1kind != v1jsonString {
			return nil, v1typeErr(diag.Index(path, i), "a string", &elems[i])
		}
		l[i] = elems[i].text
	}
	return l, nil
}

// optString returns the string member name of the object o at path, or ""
// when it is not given.
func v1optString(o v1object, path, name string) (string, error) {
	v := o.get(name)
	if v == nil {
		return "", nil
	}
	if v.v1kind != v1jsonString {
		return "", v1typeErr(diag.Member(path, name), "a string", v)
	}
	return v.text, nil
}

// quote quotes s for a message, clipped to a readable length.
func v1quote(s string) string { return strconv.Quote(v1clip(s)) }

// clip shortens s to about 40 bytes, on a rune boundary, marking the cut.
func v1clip(s string) string {
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
