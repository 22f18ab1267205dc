package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSchema(t *testing.T) {
	code, out, errs := runCLI(t, "", "schema")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	// Every $ref resolves, and every object says which keys it allows.
	defs := s["$defs"].(map[string]any)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, ok := defs[strings.TrimPrefix(r, "#/$defs/")]; !ok {
					t.Errorf("%s: $ref %s names nothing", path, r)
				}
			}
			if v["type"] == "object" && v["properties"] != nil && v["additionalProperties"] != false {
				t.Errorf("%s: object allows unknown keys", path)
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", path, i), x)
			}
		}
	}
	walk("#", s)
	for _, kind := range []string{"rules", "audiences", "config", "test"} {
		code, out, _ := runCLI(t, "", "schema", "--file", kind)
		if code != exitOK || !strings.Contains(out, `"$ref": "#/$defs/`) {
			t.Errorf("schema --file %s: exit %d", kind, code)
		}
	}
}

// TestSchemaValidates checks documents against the schema with a small
// validator of the keywords it uses: good files pass, and each mistake an
// editor should underline fails.
func TestSchemaValidates(t *testing.T) {
	_, out, _ := runCLI(t, "", "schema")
	var root map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{`{"cart_rules": [{"id": "vip-shoes", "name": "VIP", "label": "x", "priority": 10, "from": "2026-11-27",
		   "to": "2026-11-27T06:00:00-05:00", "customer_groups": ["general"], "websites": "base", "coupon": ["A", "B"],
		   "stop_further_rules": true, "enabled": false, "when": "audience(\"VIP Shoppers\")",
		   "action": {"type": "by_percent", "amount": 50, "max_qty": "2", "step": 1, "apply_to_shipping": true,
		              "free_shipping": "shipment", "items": "\"shoes\" in item.categories"}}],
		  "placements": [{"id": "home.hero", "rotation": "random", "limit": 1}],
		  "blocks": [{"id": "b", "placement": "home.hero", "content": "x", "data": {"k": 1}, "related_rules": ["vip-shoes"]}]}`, true},
		{`{"audiences": [{"id": "a791c66e", "name": "VIP", "description": "d", "origin": "o", "updated": "2026-09-28T06:12:44Z"}]}`, true},
		{`{"timezone": "America/New_York", "currency": "USD"}`, true},
		{`{"name": "vip", "now": "2026-11-27T10:00:00-05:00", "segments": ["a"],
		   "cart": {"customer": {"group": "general"}, "items": [{"sku": "S", "qty": 2, "price": "89.00", "categories": ["shoes"]}]},
		   "expect": {"applied_rules": ["vip-shoes"], "not_applied": [], "totals": {"grand_total": "97.90"},
		              "items": {"S": {"discount": "89.00"}}, "free_shipping": false, "coupon": {"applied": true},
		              "blocks": {"home.hero": ["b"]}}}`, true},
		{`{"cases": [{"name": "a", "cart": {"items": []}}, {"name": "b", "placements": ["home.hero"], "visitor_id": "v", "view": 3}]}`, true},
		{`{"cart_rules": [{"id": "a", "name": "A", "priorty": 1, "action": {"type": "by_percent"}}]}`, false},
		{`{"cart_rules": [{"id": "A b", "name": "A", "action": {"type": "by_percent"}}]}`, false},
		{`{"cart_rules": [{"id": "a", "name": "A", "action": {"type": "percent"}}]}`, false},
		{`{"cart_rules": [{"id": "a", "name": "A", "action": {"type": "by_percent", "amount": "1e3"}}]}`, false},
		{`{"cart_rules": [{"id": "a", "name": "A", "from": "27/11/2026", "action": {"type": "by_percent"}}]}`, false},
		{`{"cart_rules": [{"id": "a", "action": {"type": "by_percent"}}]}`, false},
		{`{"currency": "usd"}`, false},
		{`{"name": "a", "cart": {"items": [{"sku": "S", "qty": 1}]}}`, false},
		{`{"name": "a", "cart": {}, "expect": {"totals": {"grandtotal": 1}}}`, false},
	} {
		var doc any
		d := json.NewDecoder(bytes.NewReader([]byte(tc.doc)))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			t.Fatalf("bad test document: %v", err)
		}
		err := validate(root, root, doc, "$")
		if (err == nil) != tc.ok {
			t.Errorf("validate(%s) = %v, want ok %v", tc.doc, err, tc.ok)
		}
	}
}

// validate checks v against schema s (root holds $defs): $ref, type,
// enum, pattern, properties, additionalProperties, required, items, anyOf.
func validate(root, s map[string]any, v any, path string) error {
	if r, ok := s["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(r, "#/$defs/")].(map[string]any)
		if err := validate(root, def, v, path); err != nil {
			return err
		}
	}
	if alts, ok := s["anyOf"].([]any); ok {
		var errs []string
		for _, alt := range alts {
			err := validate(root, alt.(map[string]any), v, path)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s: no alternative matches: %s", path, strings.Join(errs, "; "))
		}
	}
	if types := typesOf(s["type"]); types != nil && !slices.Contains(types, jsonType(v)) &&
		!(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return fmt.Errorf("%s: %s, want %v", path, jsonType(v), types)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v not in %v", path, v, enum)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, ok := v.(string); ok && !regexp.MustCompile(p).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", path, str, p)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, k := range asStrings(s["required"]) {
			if _, ok := obj[k]; !ok {
				return fmt.Errorf("%s: %s is required", path, k)
			}
		}
		for k, x := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				if err := validate(root, ps, x, path+"."+k); err != nil {
					return err
				}
				continue
			}
			switch extra := s["additionalProperties"].(type) {
			case bool:
				if !extra && props != nil {
					return fmt.Errorf("%s: unknown key %s", path, k)
				}
			case map[string]any:
				if err := validate(root, extra, x, path+"."+k); err != nil {
					return err
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				if err := validate(root, items, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func typesOf(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		return asStrings(t)
	}
	return nil
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

func jsonType(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return "null"
}
