package engine

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// AppendJSON appends r to dst as encoding/json writes it with HTML
// escaping off (json.Encoder.SetEscapeHTML(false)), without the newline
// Encoder.Encode adds: the same bytes, for the fields every answer has,
// written without reflection; the fields only some answers have (blocks,
// explanations, guardrail, membership, budgets, errors, coupon) go
// through encoding/json. TestResultAppendJSON holds the two to the same
// bytes.
func (r *Result) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"applied_rules":`...)
	if r.AppliedRules == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range r.AppliedRules {
			a := &r.AppliedRules[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = appendString(dst, a.ID)
			dst = append(dst, `,"name":`...)
			dst = appendString(dst, a.Name)
			dst = append(dst, `,"label":`...)
			dst = appendString(dst, a.Label)
			dst = append(dst, `,"discount":`...)
			dst = appendString(dst, a.Discount)
			if a.BudgetClamped != nil {
				dst = append(dst, `,"budget_clamped":`...)
				dst = appendAny(dst, a.BudgetClamped)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"items":`...)
	if r.Items == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range r.Items {
			it := &r.Items[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"sku":`...)
			dst = appendString(dst, it.SKU)
			dst = append(dst, `,"qty":`...)
			dst = appendString(dst, it.Qty)
			dst = append(dst, `,"price":`...)
			dst = appendString(dst, it.Price)
			dst = append(dst, `,"row_total":`...)
			dst = appendString(dst, it.RowTotal)
			dst = append(dst, `,"discount":`...)
			dst = appendString(dst, it.Discount)
			dst = append(dst, `,"applied_rules":`...)
			dst = appendStrings(dst, it.AppliedRules)
			if it.FreeShippingQty != "" {
				dst = append(dst, `,"free_shipping_qty":`...)
				dst = appendString(dst, it.FreeShippingQty)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	t := &r.Totals
	dst = append(dst, `,"totals":{"subtotal":`...)
	dst = appendString(dst, t.Subtotal)
	dst = append(dst, `,"discount":`...)
	dst = appendString(dst, t.Discount)
	dst = append(dst, `,"shipping":`...)
	dst = appendString(dst, t.Shipping)
	dst = append(dst, `,"shipping_discount":`...)
	dst = appendString(dst, t.ShippingDiscount)
	dst = append(dst, `,"grand_total":`...)
	dst = appendString(dst, t.GrandTotal)
	dst = append(dst, `},"free_shipping":`...)
	dst = strconv.AppendBool(dst, r.FreeShipping)
	dst = append(dst, `,"coupon":`...)
	if r.Coupon == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendAny(dst, r.Coupon)
	}
	dst = append(dst, `,"segments":`...)
	dst = appendStrings(dst, r.Segments)
	dst = append(dst, `,"audiences":`...)
	dst = appendStrings(dst, r.Audiences)
	dst = append(dst, `,"errors":`...)
	if len(r.Errors) == 0 && r.Errors != nil {
		dst = append(dst, "[]"...)
	} else {
		dst = appendAny(dst, r.Errors)
	}
	if len(r.Blocks) > 0 {
		dst = append(dst, `,"blocks":`...)
		dst = appendAny(dst, r.Blocks)
	}
	if len(r.Explain) > 0 {
		dst = append(dst, `,"explain":`...)
		dst = appendAny(dst, r.Explain)
	}
	if r.Guardrail != nil {
		dst = append(dst, `,"guardrail":`...)
		dst = appendAny(dst, r.Guardrail)
	}
	if r.Membership != nil {
		dst = append(dst, `,"membership":`...)
		dst = appendAny(dst, r.Membership)
	}
	return append(dst, '}')
}

// appendStrings appends a list of strings; nil is null.
func appendStrings(dst []byte, l []string) []byte {
	if l == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendString appends s quoted: printable ASCII directly, anything that
// needs escaping through encoding/json.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return appendAny(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendAny appends v as encoding/json writes it with HTML escaping off.
func appendAny(dst []byte, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Not reached: a Result is made of plain data.
		return append(dst, "null"...)
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}
