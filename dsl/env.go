package dsl

import (
	"strconv"
	"strings"

	"github.com/ruled/ruled/money"
)

// Scale is the number of fractional digits of numbers in conditions. Every
// number a condition sees (money, quantities, weights, counts) is an exact
// fixed-point integer: the value × 10^Scale. 4 digits hold every currency's
// minor unit and Magento's 4-digit quantities; no float is involved.
const Scale = 4

const unit = 10000 // 10^Scale

// Number converts d to the fixed-point form of conditions. ok is false when d
// has more than Scale fractional digits or is too large to compare exactly.
func Number(d money.Decimal) (n int, ok bool) {
	v, ok := d.Round(Scale).Scaled(Scale)
	if !ok || v > MaxNumber || v < -MaxNumber {
		return 0, false
	}
	return int(v), true
}

// MaxNumber is the largest magnitude a number in conditions may have, in
// fixed-point units (9 × 10^13 in money or quantity). The engine checks that
// the cart's sums stay below it, so sums over any subset of lines cannot
// overflow.
const MaxNumber = 900_000_000_000_000_000

// Fold is how strings are kept for comparison: conditions compare strings
// ignoring case, as Magento does, so both sides are folded once (values when
// the environment is built, literals when the condition is compiled).
func Fold(s string) string { return strings.ToLower(s) }

// Env is what a condition sees: the cart as it arrived, before any discount.
// Build one per evaluation, box it in an `any` once, and pass that to every
// program: the programs read its fields without copying them. All strings
// are folded with Fold; all numbers are fixed-point (see Scale).
type Env struct {
	Cart     CartEnv
	Customer CustomerEnv
	Coupon   string
	Shipping ShippingEnv
	Payment  PaymentEnv
	Website  string
	Items    []*ItemEnv
	// Item is the line an action.items condition is asked about; zero in
	// cart conditions. It is a value, not a pointer, so that programs read
	// its fields from the boxed Env without copying them.
	Item ItemEnv
	// Member[i] tells whether the shopper is in audience i of the registry
	// the programs were compiled with.
	Member []bool
}

// CartEnv holds the whole-cart figures.
type CartEnv struct {
	Subtotal  int
	TotalQty  int
	Weight    int
	LineCount int
	Currency  string
}

// CustomerEnv is the shopper.
type CustomerEnv struct {
	ID    string
	Group string
}

// ShippingEnv is the shipping choice.
type ShippingEnv struct {
	Method   string
	Amount   int
	Country  string
	Region   string
	Postcode string
}

// PaymentEnv is the payment choice.
type PaymentEnv struct{ Method string }

// ItemEnv is one cart line.
type ItemEnv struct {
	SKU        string
	Name       string
	Qty        int
	Price      int
	RowTotal   int
	Weight     int
	RowWeight  int
	Categories []string
	Attrs      map[string]Value
	// AttrList, when set, holds the same attributes as Attrs, for code
	// that walks them all: a slice is walked without the cost of starting
	// a map iteration. Nil means walk Attrs.
	AttrList []NamedValue
}

// NamedValue is an attribute and its value.
type NamedValue struct {
	Name string
	Value
}

// EachAttr calls f with every attribute of the line, from AttrList when
// it is set, else from Attrs.
func (it *ItemEnv) EachAttr(f func(name string, v *Value)) {
	if it.AttrList == nil {
		for name, v := range it.Attrs {
			f(name, &v)
		}
		return
	}
	for i := range it.AttrList {
		f(it.AttrList[i].Name, &it.AttrList[i].Value)
	}
}

// Value is a product attribute value. Numbers keep their text too, so that
// "42" compares equal to 42 whichever way it was sent.
type Value struct {
	Str    string // folded text; for numbers, their decimal text
	Num    int    // fixed-point, when IsNum
	IsNum  bool
	IsBool bool
	Bool   bool
	List   []string // folded, when IsList
	IsList bool
}

// StringValue makes a Value from text; numeric text is also a number.
func StringValue(s string) Value {
	v := Value{Str: Fold(s)}
	if !mayBeNumber(s) {
		return v
	}
	if d, err := money.Parse(strings.TrimSpace(s)); err == nil {
		if n, ok := Number(d); ok {
			v.Num, v.IsNum = n, true
		}
	}
	return v
}

// mayBeNumber is a quick test that spares text that cannot be a number
// the cost of a failed parse: a number starts with a digit, a sign or a
// point once spaces are trimmed.
func mayBeNumber(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '.' || s[0] == '+')
}

// NumberValue makes a Value from a number; ok is false when it is out of range.
func NumberValue(d money.Decimal) (Value, bool) {
	n, ok := Number(d)
	return Value{Str: d.String(), Num: n, IsNum: ok}, ok
}

// BoolValue makes a Value from a boolean.
func BoolValue(b bool) Value { return Value{Str: strconv.FormatBool(b), Bool: b, IsBool: true} }

// ListValue makes a Value from a list of strings.
func ListValue(l []string) Value {
	f := make([]string, len(l))
	for i, s := range l {
		f[i] = Fold(s)
	}
	return Value{List: f, IsList: true}
}

// attrOp applies a comparison to an attribute with Magento's semantics
// (docs/semantics.md §3): a missing attribute never matches, lists
// match when they intersect, strings compare ignoring case (both sides are
// already folded), numbers compare as numbers. op is one of == < <= > >= in
// contains starts ends has; the negated forms are lowered to "not".
func attrOp(attrs map[string]Value, name, op string, want any) bool {
	v, ok := attrs[name]
	if op == "defined" {
		return ok
	}
	if !ok {
		return false
	}
	switch op {
	case "==":
		return attrEq(v, want)
	case "<", "<=", ">", ">=":
		var c int
		switch w := want.(type) {
		case int:
			if !v.IsNum {
				return false
			}
			c = cmpInt(v.Num, w)
		case string:
			if v.IsList || v.IsBool {
				return false
			}
			c = looseCompare(v.Str, w)
		default:
			return false
		}
		switch op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "in": // the attribute is one of the listed values
		for _, w := range listOf(want) {
			if attrEq(v, w) {
				return true
			}
		}
		return false
	case "has": // the value is in the attribute (a list), or equals it
		return attrEq(v, want)
	case "contains":
		s, isStr := want.(string)
		if v.IsList {
			for _, w := range listOf(want) {
				if attrEq(v, w) {
					return true
				}
			}
			return false
		}
		if isStr {
			return strings.Contains(v.Str, s)
		}
		for _, w := range listOf(want) {
			if ws, ok := w.(string); ok && strings.Contains(v.Str, ws) {
				return true
			}
		}
		return false
	case "starts", "ends":
		s, isStr := want.(string)
		if !isStr || v.IsList {
			return false
		}
		if op == "starts" {
			return strings.HasPrefix(v.Str, s)
		}
		return strings.HasSuffix(v.Str, s)
	}
	return false
}

func attrEq(v Value, want any) bool {
	switch w := want.(type) {
	case string:
		if v.IsList {
			for _, s := range v.List {
				if s == w {
					return true
				}
			}
			return false
		}
		if v.Str == w {
			return true
		}
		// "42" and "42.0" are the same number, as in Magento's cmp.
		if v.IsNum {
			if sv := StringValue(w); sv.IsNum {
				return sv.Num == v.Num
			}
		}
		return false
	case int:
		return v.IsNum && v.Num == w
	case bool:
		return v.IsBool && v.Bool == w
	}
	for _, x := range listOf(want) {
		if attrEq(v, x) {
			return true
		}
	}
	return false
}

func listOf(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

// has reports whether list holds s.
func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// intersects reports whether two lists of strings share an element.
func intersects(a, b any) bool {
	for _, x := range listOf(a) {
		for _, y := range listOf(b) {
			if x == y {
				return true
			}
		}
	}
	return false
}

// looseCompare orders two strings the way Magento's conditions do: as
// numbers when both are numbers (postcodes 90210 > 9021), else as text.
func looseCompare(a, b string) int {
	da, ea := money.Parse(strings.TrimSpace(a))
	db, eb := money.Parse(strings.TrimSpace(b))
	if ea == nil && eb == nil {
		return da.Cmp(db)
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
