package dsl

import (
	"slices"
	"strings"
)

// typ is the type of a value in the condition language.
type typ int

const (
	tBool    typ = iota + 1
	tNumber      // exact decimal, fixed-point in expr
	tString      // compared ignoring case
	tStrings     // list of strings: item.categories, ["a", "b"]
	tNumbers     // literal list of numbers: [1, 2]
	tItems       // list of cart lines
	tAttr        // item.attributes.<name>: string, number, bool or list, known only at run time
)

func (t typ) String() string {
	switch t {
	case tBool:
		return "true/false"
	case tNumber:
		return "a number"
	case tString:
		return "a string"
	case tStrings:
		return "a list of strings"
	case tNumbers:
		return "a list of numbers"
	case tItems:
		return "a list of cart lines"
	case tAttr:
		return "an attribute"
	}
	return "nothing"
}

// field is a value a condition can read.
type field struct {
	code string // expr code, relative to the env (or to the line for item fields)
	typ  typ
	doc  string
}

// cartFields are the fields of the cart, the shopper and the request.
var cartFields = map[string]field{
	"cart.subtotal":     {"Cart.Subtotal", tNumber, "sum of row totals before discounts"},
	"cart.total_qty":    {"Cart.TotalQty", tNumber, "sum of line quantities"},
	"cart.weight":       {"Cart.Weight", tNumber, "sum of row weights (unit weight × qty)"},
	"cart.line_count":   {"Cart.LineCount", tNumber, "number of cart lines"},
	"cart.currency":     {"Cart.Currency", tString, "ISO 4217 code of the cart's currency"},
	"customer.id":       {"Customer.ID", tString, "the shopper's customer id; empty for guests"},
	"customer.group":    {"Customer.Group", tString, "the shopper's customer group (guest when not logged in)"},
	"coupon":            {"Coupon", tString, "the coupon code entered; empty when none"},
	"shipping.method":   {"Shipping.Method", tString, "carrier_method code, e.g. flatrate_flatrate"},
	"shipping.amount":   {"Shipping.Amount", tNumber, "shipping price before discounts"},
	"shipping.country":  {"Shipping.Country", tString, "ISO 3166-1 alpha-2 country code"},
	"shipping.region":   {"Shipping.Region", tString, "region or state"},
	"shipping.postcode": {"Shipping.Postcode", tString, "postal code"},
	"payment.method":    {"Payment.Method", tString, "payment method code, e.g. checkmo"},
	"website":           {"Website", tString, "website code (base when not given)"},
	"items":             {"Items", tItems, "the cart lines"},
}

// itemFields are the fields of one cart line.
var itemFields = map[string]field{
	"sku":        {"SKU", tString, "product SKU"},
	"name":       {"Name", tString, "product name"},
	"qty":        {"Qty", tNumber, "quantity on the line"},
	"price":      {"Price", tNumber, "unit price"},
	"row_total":  {"RowTotal", tNumber, "price × qty, rounded to the currency"},
	"weight":     {"Weight", tNumber, "unit weight"},
	"row_weight": {"RowWeight", tNumber, "weight × qty"},
	"categories": {"Categories", tStrings, "category codes of the product"},
}

// functions are the calls the language knows, with their signature as a
// merchandiser reads it.
var functions = map[string]string{
	"audience": `audience("Audience name")`,
	"any":      `any(items, condition on item)`,
	"all":      `all(items, condition on item)`,
	"none":     `none(items, condition on item)`,
	"count":    `count(items[, condition on item])`,
	"sum":      `sum(items, number of item)`,
	"filter":   `filter(items, condition on item)`,
	"len":      `len(list)`,
	"defined":  `defined(item.attributes.name)`,
}

// knownPaths lists every field path, for "did you mean".
func knownPaths(itemScope bool) []string {
	var out []string
	for k := range cartFields {
		out = append(out, k)
	}
	if itemScope {
		for k := range itemFields {
			out = append(out, "item."+k)
		}
		out = append(out, "item.attributes")
	}
	slices.Sort(out)
	return out
}

// Field documents one field of the condition language, for references.
type Field struct {
	Path string
	Type string
	Doc  string
}

// Fields lists every field of the language, cart fields then item fields.
func Fields() []Field {
	var out []Field
	for k, f := range cartFields {
		out = append(out, Field{k, f.typ.String(), f.doc})
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Path, b.Path) })
	var items []Field
	for k, f := range itemFields {
		items = append(items, Field{"item." + k, f.typ.String(), f.doc})
	}
	items = append(items, Field{"item.attributes.<name>", "string, number, bool or list", "a product attribute; missing attributes match nothing"})
	slices.SortFunc(items, func(a, b Field) int { return strings.Compare(a.Path, b.Path) })
	return append(out, items...)
}
