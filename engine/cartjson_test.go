package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/money"
)

var (
	usd = money.Currency{Code: "USD", Digits: 2}
	jpy = money.Currency{Code: "JPY", Digits: 0}
)

func dec(s string) money.Decimal { return money.MustParse(s) }

// fullCart is a cart that sets every field of the contract.
const fullCart = `{
  "website": "luma_us",
  "currency": "eur",
  "now": "2025-11-28T09:00:00-05:00",
  "customer": {"id": "42", "group": "wholesale"},
  "coupon_code": "  BLACKFRIDAY ",
  "segments": ["0d8f2a1c-5b7e", "vip", "0d8f2a1c-5b7e"],
  "items": [
    {
      "sku": "MJ01-M-Blue", "name": "Beaumont Summit Kit", "qty": 2, "price": "42.00", "weight": 1.25,
      "categories": ["12", "15"],
      "attributes": {"brand": "Luma", "size": 42, "eco": true, "colors": ["blue", "navy"], "ratio": "0.5", "tags": []}
    },
    {"sku": "24-WG080", "qty": "0.5", "price": 0, "attributes": {}, "categories": []}
  ],
  "shipping": {"method": "flatrate_flatrate", "amount": 5.5, "country": "de", "region": "BE", "postcode": "10115"},
  "payment": {"method": "checkmo"}
}`

// decodeCartTests is the contract of DecodeCart, and the seed corpus of
// FuzzDecodeCart. Each case either decodes to want or fails with exactly
// wantErr.
var decodeCartTests = []struct {
	name    string
	body    string
	def     *CartDefaults // nil: USD
	want    *Cart
	wantErr string
}{
	{
		name: "full cart",
		body: fullCart,
		want: &Cart{
			Website:    "luma_us",
			Currency:   money.Currency{Code: "EUR", Digits: 2},
			Now:        time.Date(2025, 11, 28, 14, 0, 0, 0, time.UTC),
			Customer:   Customer{ID: "42", Group: "wholesale"},
			CouponCode: "BLACKFRIDAY",
			Segments:   []string{"0d8f2a1c-5b7e", "vip"},
			Items: []Item{
				{
					SKU: "MJ01-M-Blue", Name: "Beaumont Summit Kit",
					Qty: dec("2"), Price: dec("42"), Weight: dec("1.25"),
					Categories: []string{"12", "15"},
					Attributes: Attrs{
						{Name: "brand", Attr: Attr{Str: "Luma"}},
						{Name: "size", Attr: Attr{Num: dec("42"), IsNum: true}},
						{Name: "eco", Attr: Attr{Bool: true, IsBool: true}},
						{Name: "colors", Attr: Attr{List: []string{"blue", "navy"}, IsList: true}},
						{Name: "ratio", Attr: Attr{Str: "0.5"}},
						{Name: "tags", Attr: Attr{IsList: true}},
					},
				},
				{SKU: "24-WG080", Qty: dec("0.5"), Price: dec("0")},
			},
			Shipping: Shipping{Method: "flatrate_flatrate", Amount: dec("5.5"), Country: "DE", Region: "BE", Postcode: "10115"},
			Payment:  Payment{Method: "checkmo"},
		},
	},
	{
		name: "defaults",
		body: `{}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"}},
	},
	{
		name: "null and empty strings are not given",
		body: `{"website": "", "currency": null, "now": "", "customer": {"id": null, "group": ""}, "coupon_code": null,
		        "segments": null, "items": null, "shipping": null, "payment": null}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"}},
	},
	{
		name: "default currency",
		body: `{"items": [{"sku": "a", "qty": 3, "price": 1500}]}`,
		def:  &CartDefaults{Currency: jpy},
		want: &Cart{Website: "base", Currency: jpy, Customer: Customer{Group: "guest"},
			Items: []Item{{SKU: "a", Qty: dec("3"), Price: dec("1500")}}},
	},
	{
		name: "numbers as strings, trailing zeros, white space around the body",
		body: " \n{\"items\": [{\"sku\": \"a\", \"qty\": \"1.0000\", \"price\": \"19.990\", \"weight\": \"0\"}]}\n ",
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"},
			Items: []Item{{SKU: "a", Qty: dec("1"), Price: dec("19.99")}}},
	},
	{
		name: "bounds are inclusive",
		body: `{"items": [{"sku": "a", "qty": 1000000, "price": 1000000000000, "weight": "1000000000000"}], "shipping": {"amount": 1000000000000.00}}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"},
			Items:    []Item{{SKU: "a", Qty: dec("1000000"), Price: dec("1000000000000"), Weight: dec("1000000000000")}},
			Shipping: Shipping{Amount: dec("1000000000000")}},
	},
	{
		name: "compact body, every kind of attribute",
		body: `{"items":[{"sku":"a","qty":1,"price":"2.50","attributes":{"new":false,"size":-0.5,"tags":["x"],"brand":"b\u00e9\/"}}],"segments":["s"]}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"}, Segments: []string{"s"},
			Items: []Item{{SKU: "a", Qty: dec("1"), Price: dec("2.5"), Attributes: Attrs{
				{Name: "new", Attr: Attr{IsBool: true}},
				{Name: "size", Attr: Attr{Num: dec("-0.5"), IsNum: true}},
				{Name: "tags", Attr: Attr{List: []string{"x"}, IsList: true}},
				{Name: "brand", Attr: Attr{Str: "bé/"}},
			}}}},
	},
	{
		name: "many attributes",
		body: `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {` + manyAttributes(20) + `}}]}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"},
			Items: []Item{{SKU: "a", Qty: dec("1"), Price: dec("1"), Attributes: manyAttrs(20)}}},
	},
	{
		name: "1000 items",
		body: `{"items": [` + strings.TrimSuffix(strings.Repeat(`{"sku": "a", "qty": 1, "price": 1},`, 1000), ",") + `]}`,
		want: &Cart{Website: "base", Currency: usd, Customer: Customer{Group: "guest"},
			Items: repeatItem(Item{SKU: "a", Qty: dec("1"), Price: dec("1")}, 1000)},
	},

	// The body.
	{name: "empty body", body: ``, wantErr: `the body is empty; want a JSON object`},
	{name: "null body", body: `null`, wantErr: `the body must be a JSON object, got null`},
	{name: "array body", body: `[{}]`, wantErr: `the body must be a JSON object, got an array`},
	{
		name:    "malformed JSON",
		body:    "{\n  \"items\": [\n    {\"sku\": \"a\",}\n  ]\n}",
		wantErr: `malformed JSON at line 3, column 17 (byte offset 31): invalid character '}' looking for beginning of object key string`,
	},
	{
		name:    "truncated JSON",
		body:    `{"items": [`,
		wantErr: `malformed JSON: unexpected end of input at line 1, column 12 (byte offset 11)`,
	},
	{
		name:    "trailing data",
		body:    "{}\n{}",
		wantErr: `unexpected data after the JSON object at line 2, column 1 (byte offset 3)`,
	},
	{
		name:    "invalid UTF-8",
		body:    "{\"website\": \"b\xffse\"}",
		wantErr: `the body is not valid UTF-8 at line 1, column 15 (byte offset 14)`,
	},
	{name: "only white space", body: " \n\t", wantErr: `the body is empty; want a JSON object`},
	{name: "string body", body: `"x"`, wantErr: `the body must be a JSON object, got a string`},
	{
		name:    "trailing data after a number body",
		body:    `1 2`,
		wantErr: `unexpected data after the JSON object at line 1, column 3 (byte offset 2)`,
	},
	{
		name:    "byte order mark",
		body:    "\xef\xbb\xbf{}",
		wantErr: `malformed JSON at line 1, column 1 (byte offset 0): invalid character 'ï' looking for beginning of value`,
	},
	// Malformed JSON is reported in encoding/json's Decode words and
	// offsets wherever the fault is.
	{
		name:    "missing colon",
		body:    `{"website" "base"}`,
		wantErr: `malformed JSON at line 1, column 12 (byte offset 11): invalid character '"' after object key`,
	},
	{
		name:    "missing comma between members",
		body:    `{"website": "base" "currency": "USD"}`,
		wantErr: `malformed JSON at line 1, column 20 (byte offset 19): invalid character '"' after object key:value pair`,
	},
	{
		name:    "missing comma between elements",
		body:    `{"segments": ["a" "b"]}`,
		wantErr: `malformed JSON at line 1, column 19 (byte offset 18): invalid character '"' after array element`,
	},
	{
		name:    "trailing comma in an array",
		body:    `{"segments": ["a",]}`,
		wantErr: `malformed JSON at line 1, column 19 (byte offset 18): invalid character ']' looking for beginning of value`,
	},
	{
		name:    "misspelt literal",
		body:    `{"coupon_code": nul}`,
		wantErr: `malformed JSON at line 1, column 20 (byte offset 19): invalid character '}' in literal null (expecting 'l')`,
	},
	{
		name:    "bad escape",
		body:    `{"coupon_code": "a\qb"}`,
		wantErr: `malformed JSON at line 1, column 20 (byte offset 19): invalid character 'q' in string escape code`,
	},
	{
		name:    "leading zero",
		body:    `{"items": [{"sku": "a", "qty": 01, "price": 1}]}`,
		wantErr: `malformed JSON at line 1, column 33 (byte offset 32): invalid character '1' after object key:value pair`,
	},
	{
		name:    "truncated in a string",
		body:    `{"coupon_code": "SAVE`,
		wantErr: `malformed JSON: unexpected end of input at line 1, column 22 (byte offset 21)`,
	},
	{
		name:    "closing brace first",
		body:    `}`,
		wantErr: `malformed JSON at line 1, column 1 (byte offset 0): invalid character '}' looking for beginning of value`,
	},
	{
		name:    "deepest nesting encoding/json accepts",
		body:    `{"items": [` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `]}`,
		wantErr: `items[0]: want an object, got an array`,
	},
	{
		name:    "nested too deep",
		body:    `{"items": [` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `]}`,
		wantErr: `malformed JSON at line 1, column 10010 (byte offset 10009): invalid character '[' exceeded max depth`,
	},

	// Fields.
	{
		name:    "typo in a cart field",
		body:    `{"coupon": "SAVE10"}`,
		wantErr: `coupon: unknown field, did you mean "coupon_code"? (allowed: website, currency, now, customer, coupon_code, segments, items, shipping, payment)`,
	},
	{
		name:    "typo in an item field",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1}, {"sku": "b", "qtty": 1, "price": 1}]}`,
		wantErr: `items[1].qtty: unknown field, did you mean "qty"? (allowed: sku, name, qty, price, weight, categories, attributes)`,
	},
	{
		name:    "unknown field without a suggestion",
		body:    `{"shipping": {"carrier": "ups"}}`,
		wantErr: `shipping.carrier: unknown field (allowed: method, amount, country, region, postcode)`,
	},
	{
		name:    "unknown field with an odd name",
		body:    `{"customer": {"e-mail": "x@example.com"}}`,
		wantErr: `customer["e-mail"]: unknown field (allowed: id, group)`,
	},
	{
		name:    "duplicate field",
		body:    `{"items": [{"sku": "a", "qty": 1, "qty": 2, "price": 1}]}`,
		wantErr: `items[0].qty: duplicate field`,
	},
	{
		name:    "duplicate field before an unknown one",
		body:    `{"coupon": "SAVE10", "website": "a", "website": "b"}`,
		wantErr: `website: duplicate field`,
	},
	{
		name:    "duplicate field spelt with an escape",
		body:    `{"web\u0073ite": "a", "website": "b"}`,
		wantErr: `website: duplicate field`,
	},
	{name: "duplicate null field", body: `{"items": null, "items": []}`, wantErr: `items: duplicate field`},
	{
		name:    "duplicate field in a large object",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {` + manyAttributes(40) + `, "a7": 1}}]}`,
		wantErr: `items[0].attributes.a7: duplicate field`,
	},
	{
		name:    "checks run in a fixed order, not the body's",
		body:    `{"customer": {"id": "a", "id": "b"}, "website": 1}`,
		wantErr: `website: want a string, got a number`,
	},

	// Types.
	{name: "website not a string", body: `{"website": 1}`, wantErr: `website: want a string, got a number`},
	{name: "customer not an object", body: `{"customer": "42"}`, wantErr: `customer: want an object, got a string`},
	{name: "customer id not a string", body: `{"customer": {"id": 42}}`, wantErr: `customer.id: want a string, got a number`},
	{name: "items not an array", body: `{"items": {"sku": "a"}}`, wantErr: `items: want an array, got an object`},
	{name: "item not an object", body: `{"items": ["a"]}`, wantErr: `items[0]: want an object, got a string`},
	{name: "null item", body: `{"items": [null]}`, wantErr: `items[0]: want an object, got null`},
	{
		name:    "qty a boolean",
		body:    `{"items": [{"sku": "a", "qty": true, "price": 1}]}`,
		wantErr: `items[0].qty: want a number or a decimal string such as "19.99", got a boolean`,
	},
	{
		name:    "categories not an array",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "categories": "12"}]}`,
		wantErr: `items[0].categories: want an array, got a string`,
	},
	{
		name:    "category not a string",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "categories": ["12", 15]}]}`,
		wantErr: `items[0].categories[1]: want a string, got a number`,
	},
	{
		name:    "empty category",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "categories": [""]}]}`,
		wantErr: `items[0].categories[0]: must not be empty`,
	},
	{
		name:    "attributes not an object",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": ["size"]}]}`,
		wantErr: `items[0].attributes: want an object, got an array`,
	},
	{
		name:    "nested attribute object",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1}, {"sku": "b", "qty": 1, "price": 1}, {"sku": "c", "qty": 1, "price": 1}, {"sku": "d", "qty": 1, "price": 1, "attributes": {"size": {"eu": 42}}}]}`,
		wantErr: `items[3].attributes.size: want a string, number, boolean or array of strings, got an object`,
	},
	{
		name:    "null attribute",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {"size": null}}]}`,
		wantErr: `items[0].attributes.size: want a string, number, boolean or array of strings, got null`,
	},
	{
		name:    "attribute list of numbers",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {"sizes": ["S", 42]}}]}`,
		wantErr: `items[0].attributes.sizes[1]: want a string, got a number`,
	},
	{
		name:    "attribute number with an exponent",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {"pack size": 1e3}}]}`,
		wantErr: `items[0].attributes["pack size"]: want a plain decimal number such as 19.99, got 1e3`,
	},
	{
		name:    "empty attribute name",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {"": "x"}}]}`,
		wantErr: `items[0].attributes: attribute names must not be empty`,
	},
	{name: "segments not an array", body: `{"segments": "a,b"}`, wantErr: `segments: want an array, got a string`},
	{name: "segment not a string", body: `{"segments": ["a", 1]}`, wantErr: `segments[1]: want a string, got a number`},
	{name: "empty segment", body: `{"segments": ["a", ""]}`, wantErr: `segments[1]: must not be empty`},
	{name: "payment not an object", body: `{"payment": "checkmo"}`, wantErr: `payment: want an object, got a string`},
	{
		name:    "shipping amount a boolean",
		body:    `{"shipping": {"amount": false}}`,
		wantErr: `shipping.amount: want a number or a decimal string such as "19.99", got a boolean`,
	},

	// Values.
	{name: "sku missing", body: `{"items": [{"qty": 1, "price": 1}]}`, wantErr: `items[0].sku: required`},
	{name: "sku empty", body: `{"items": [{"sku": "", "qty": 1, "price": 1}]}`, wantErr: `items[0].sku: required`},
	{name: "sku blank", body: `{"items": [{"sku": "  ", "qty": 1, "price": 1}]}`, wantErr: `items[0].sku: required`},
	{name: "qty missing", body: `{"items": [{"sku": "a", "price": 1}]}`, wantErr: `items[0].qty: required`},
	{
		name:    "qty zero",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1}, {"sku": "b", "qty": 1, "price": 1}, {"sku": "c", "qty": 0, "price": 1}]}`,
		wantErr: `items[2].qty: must be > 0`,
	},
	{name: "qty negative", body: `{"items": [{"sku": "a", "qty": "-1", "price": 1}]}`, wantErr: `items[0].qty: must be > 0`},
	{
		name:    "qty too large",
		body:    `{"items": [{"sku": "a", "qty": 1000000.0001, "price": 1}]}`,
		wantErr: `items[0].qty: must be ≤ 1000000, the largest quantity ruled accepts`,
	},
	{
		name:    "qty too precise",
		body:    `{"items": [{"sku": "a", "qty": 1.23456, "price": 1}]}`,
		wantErr: `items[0].qty: 1.23456 has more than 4 decimal places`,
	},
	{
		name:    "qty not a number",
		body:    `{"items": [{"sku": "a", "qty": "two", "price": 1}]}`,
		wantErr: `items[0].qty: want a plain decimal number such as 19.99, got "two"`,
	},
	{
		name:    "qty with an exponent",
		body:    `{"items": [{"sku": "a", "qty": 1E2, "price": 1}]}`,
		wantErr: `items[0].qty: want a plain decimal number such as 19.99, got 1E2`,
	},
	{
		name:    "qty with spaces",
		body:    `{"items": [{"sku": "a", "qty": " 1", "price": 1}]}`,
		wantErr: `items[0].qty: want a plain decimal number such as 19.99, got " 1"`,
	},
	{
		name:    "qty with too many digits",
		body:    `{"items": [{"sku": "a", "qty": 0.00000000000000000000000000000000000000001, "price": 1}]}`,
		wantErr: `items[0].qty: 0.00000000000000000000000000000000000000… has too many digits`,
	},
	{name: "price missing", body: `{"items": [{"sku": "a", "qty": 1}]}`, wantErr: `items[0].price: required`},
	{name: "price negative", body: `{"items": [{"sku": "a", "qty": 1, "price": -0.01}]}`, wantErr: `items[0].price: must be ≥ 0`},
	{name: "price minus zero", body: `{"items": [{"sku": "a", "qty": 1, "price": -0}]}`, want: &Cart{
		Website: "base", Currency: usd, Customer: Customer{Group: "guest"}, Items: []Item{{SKU: "a", Qty: dec("1"), Price: dec("0")}}}},
	{
		name:    "price finer than the currency",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1}, {"sku": "b", "qty": 1, "price": 19.999}]}`,
		wantErr: `items[1].price: 19.999 has more decimal places than USD allows (2)`,
	},
	{
		name:    "price finer than the default currency",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": "1500.5"}]}`,
		def:     &CartDefaults{Currency: jpy},
		wantErr: `items[0].price: 1500.5 has more decimal places than JPY allows (0)`,
	},
	{
		name:    "price checked against the cart's currency, given after the items",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1.5}], "currency": "JPY"}`,
		wantErr: `items[0].price: 1.5 has more decimal places than JPY allows (0)`,
	},
	{
		name:    "price too large",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1000000000000.01}]}`,
		wantErr: `items[0].price: must be ≤ 1000000000000, the largest amount ruled accepts`,
	},
	{
		name:    "weight negative",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "weight": -1}]}`,
		wantErr: `items[0].weight: must be ≥ 0`,
	},
	{
		name:    "weight too precise",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "weight": "0.00001"}]}`,
		wantErr: `items[0].weight: 0.00001 has more than 4 decimal places`,
	},
	{
		name:    "weight too large",
		body:    `{"items": [{"sku": "a", "qty": 1, "price": 1, "weight": 1000000000001}]}`,
		wantErr: `items[0].weight: must be ≤ 1000000000000, the largest weight ruled accepts`,
	},
	{
		name:    "1001 items",
		body:    `{"items": [` + strings.TrimSuffix(strings.Repeat(`{"sku": "a", "qty": 1, "price": 1},`, 1001), ",") + `]}`,
		wantErr: `items: more than 1000 items, the most ruled accepts`,
	},
	{name: "shipping amount negative", body: `{"shipping": {"amount": -5}}`, wantErr: `shipping.amount: must be ≥ 0`},
	{
		name:    "shipping amount finer than the currency",
		body:    `{"shipping": {"amount": "4.999"}}`,
		wantErr: `shipping.amount: 4.999 has more decimal places than USD allows (2)`,
	},
	{
		name:    "shipping country not two letters",
		body:    `{"shipping": {"country": "USA"}}`,
		wantErr: `shipping.country: want a two-letter ISO 3166-1 code such as "US", got "USA"`,
	},
	{
		name:    "unknown currency",
		body:    `{"currency": "XXX"}`,
		wantErr: `currency: unknown currency "XXX": want an ISO 4217 code such as USD, EUR or JPY`,
	},
	{
		name:    "no currency at all",
		body:    `{}`,
		def:     &CartDefaults{},
		wantErr: `currency: required: the cart names no currency and there is no default`,
	},
	{
		name:    "now not RFC 3339",
		body:    `{"now": "2025-11-28 09:00"}`,
		wantErr: `now: not an RFC 3339 time such as "2025-11-28T09:00:00Z", got "2025-11-28 09:00"`,
	},
}

// manyAttributes returns n attribute members "a0": "v", ... for an
// attributes object.
func manyAttributes(n int) string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf(`"a%d": "v"`, i)
	}
	return strings.Join(l, ", ")
}

// manyAttrs is what manyAttributes(n) decodes to.
func manyAttrs(n int) Attrs {
	var m Attrs
	for i := range n {
		m = append(m, NamedAttr{Name: fmt.Sprintf("a%d", i), Attr: Attr{Str: "v"}})
	}
	return m
}

func repeatItem(it Item, n int) []Item {
	l := make([]Item, n)
	for i := range l {
		l[i] = it
	}
	return l
}

// defaultsOf returns *def, or USD defaults when def is nil.
func defaultsOf(def *CartDefaults) CartDefaults {
	if def == nil {
		return CartDefaults{Currency: usd}
	}
	return *def
}

var decimalEqual = cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) })

func TestDecodeCart(t *testing.T) {
	for _, tt := range decodeCartTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCart([]byte(tt.body), defaultsOf(tt.def))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("DecodeCart succeeded, want error %q", tt.wantErr)
				}
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("DecodeCart error is %T, want *InputError: %v", err, err)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("DecodeCart error:\n got %s\nwant %s", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("DecodeCart returned a cart with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeCart: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, decimalEqual); diff != "" {
				t.Errorf("DecodeCart mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInputErrorField(t *testing.T) {
	_, err := DecodeCart([]byte(`{"items": [{"sku": "a", "qty": 0, "price": 1}]}`), CartDefaults{Currency: usd})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error is %T, want *InputError", err)
	}
	if want := (InputError{Field: "items[0].qty", Message: "must be > 0"}); *ie != want {
		t.Errorf("error = %#v, want %#v", *ie, want)
	}
	if got := (&InputError{Message: "the body is empty"}).Error(); got != "the body is empty" {
		t.Errorf("Error() without a field = %q", got)
	}
}
