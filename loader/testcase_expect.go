package loader

// The expect block of a test case: applied and not-applied rule ids, totals,
// per-SKU discounts, free shipping, coupon and blocks, each with its
// position so that the runner can point at the expectation that failed.

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
)

// refs reads a list of non-empty strings, or one string as a list of one,
// with their positions.
func (t *testReader) refs(n *yaml.Node, field string) []Ref {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	} else if n.Kind != yaml.ScalarNode {
		t.wrongType(n, field, "a list of strings")
		return nil
	}
	out := []Ref{}
	for _, item := range items {
		item = t.node(item)
		s, ok := t.str(item, field+" item")
		switch {
		case !ok:
		case isNull(item) || strings.TrimSpace(s) == "":
			t.errorf(item, "invalid-value", "%s item is empty", field)
		default:
			out = append(out, Ref{ID: strings.TrimSpace(s), Pos: t.pos(item)})
		}
	}
	return out
}

func (t *testReader) expect(x *Expect, fields map[string]diag.Pos, n *yaml.Node) {
	entries, _ := t.mapping(n, "expect", "expect", expectKeys)
	for _, e := range entries {
		v, field := e.value, "expect."+e.name
		if isNull(v) {
			continue
		}
		fields[field] = t.pos(v)
		switch e.name {
		case "applied_rules":
			x.AppliedRules, x.HasAppliedRules = t.refs(v, field), true
		case "not_applied":
			x.NotApplied = t.refs(v, field)
		case "totals":
			totals, _ := t.mapping(v, field, field, totalsKeys)
			for _, te := range totals {
				if a, ok := t.amount(te.value, te.name, field+"."+te.name); ok {
					x.Totals = append(x.Totals, a)
				}
			}
		case "items":
			x.Items = t.itemExpects(v)
		case "free_shipping":
			if b, ok := t.boolean(v, field); ok {
				x.FreeShipping = &b
			}
		case "blocks":
			x.Blocks = t.blockExpects(v)
		case "coupon":
			coupon, _ := t.mapping(v, field, field, couponKeys)
			for _, ce := range coupon {
				if isNull(ce.value) {
					continue
				}
				if b, ok := t.boolean(ce.value, field+"."+ce.name); ok {
					x.CouponApplied = &b
				}
			}
		}
	}
}

// blockExpects reads expect.blocks: a mapping from placement id to the ids
// of the blocks it must show, in order.
func (t *testReader) blockExpects(n *yaml.Node) []BlockExpect {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "expect.blocks", "a mapping from placement id to the ids of the blocks it shows")
		return nil
	}
	var out []BlockExpect
	entries, _ := t.mapping(n, "expect.blocks", "expect.blocks", nil)
	for _, e := range entries {
		field := "expect.blocks." + e.name
		v := t.node(e.value)
		if v.Kind != yaml.SequenceNode {
			t.wrongType(v, field, "a list of block ids ([] for none)")
			continue
		}
		out = append(out, BlockExpect{Placement: e.name, Pos: t.pos(e.key), IDs: t.refs(v, field)})
	}
	return out
}

// itemExpects reads expect.items: a mapping from SKU to what its lines get.
func (t *testReader) itemExpects(n *yaml.Node) []ItemExpect {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "expect.items", "a mapping from SKU to what the line gets")
		return nil
	}
	var out []ItemExpect
	entries, _ := t.mapping(n, "expect.items", "expect.items", nil)
	for _, e := range entries {
		ie := ItemExpect{SKU: e.name, Pos: t.pos(e.key)}
		field := "expect.items." + e.name
		v := t.node(e.value)
		fields, _ := t.mapping(v, field, "item expectation", itemExpectKeys)
		for _, f := range fields {
			if a, ok := t.amount(f.value, f.name, field+"."+f.name); ok {
				ie.Discount = &a
			}
		}
		out = append(out, ie)
	}
	return out
}

func (t *testReader) amount(n *yaml.Node, name, field string) (Amount, bool) {
	if isNull(n) {
		return Amount{}, false
	}
	d, ok := t.decimal(n, field)
	return Amount{Field: name, Value: d, Text: n.Value, Pos: t.pos(n)}, ok
}
