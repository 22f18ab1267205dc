package main

import (
	"encoding/json"
	"fmt"
)

type schemaCmd struct {
	File string `help:"Which files the schema is for: all (any of them), rules, audiences, config (ruled.yaml) or test (*.test.yaml)." enum:"all,rules,audiences,config,test" default:"all"`
}

// run prints a JSON Schema (draft 2020-12) of the YAML files of a rules
// directory, for editors: with the schema, the YAML language server
// validates and completes rule files as they are typed. The schema says
// what the loader accepts; the loader stays the authority (it also checks
// what a schema cannot, such as conditions and references).
func (c *schemaCmd) run(e *env) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fileSchema(c.File)); err != nil {
		fmt.Fprintln(e.stderr, "ruled schema:", err)
		return exitCantRun
	}
	return exitOK
}

// jsObj is a JSON object in the schema.
type jsObj = map[string]any

// fileSchema returns the schema of one kind of file, or of any of them.
func fileSchema(kind string) jsObj {
	root := jsObj{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$defs":   schemaDefs(),
	}
	refs := map[string]string{"rules": "ruleFile", "audiences": "audienceFile", "config": "configFile", "test": "testFile"}
	if def, ok := refs[kind]; ok {
		root["title"] = "ruled " + kind + " file"
		root["$ref"] = "#/$defs/" + def
		return root
	}
	root["title"] = "ruled YAML files"
	root["description"] = "A rule file (cart_rules, placements, blocks), audiences.yaml, ruled.yaml or a test file (*.test.yaml)."
	root["anyOf"] = []any{jsRef("ruleFile"), jsRef("audienceFile"), jsRef("configFile"), jsRef("testFile")}
	return root
}

func jsRef(def string) jsObj { return jsObj{"$ref": "#/$defs/" + def} }

// object is a closed object: the loader reports unknown keys.
func jsObject(desc string, props jsObj, required ...string) jsObj {
	o := jsObj{"type": "object", "description": desc, "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func jsList(desc string, items any) jsObj {
	return jsObj{"type": "array", "description": desc, "items": items}
}

func jsText(desc string) jsObj { return jsObj{"type": "string", "description": desc} }

func jsBool(desc string) jsObj { return jsObj{"type": "boolean", "description": desc} }

func jsEnum(desc string, values ...string) jsObj {
	return jsObj{"type": "string", "description": desc, "enum": values}
}

func jsDesc(def, desc string) jsObj { return jsObj{"$ref": "#/$defs/" + def, "description": desc} }

func schemaDefs() jsObj {
	return jsObj{
		"id":        jsObj{"type": "string", "pattern": `^[a-z0-9][a-z0-9._-]*$`, "description": "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"},
		"decimal":   jsObj{"type": []string{"number", "string"}, "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "description": "an exact decimal: digits with an optional fraction, such as 10 or 19.99 (no exponent)"},
		"whole":     jsObj{"type": []string{"integer", "string"}, "pattern": `^-?[0-9]+$`, "description": "a whole number"},
		"codes":     jsObj{"anyOf": []any{jsObj{"type": "string"}, jsObj{"type": "array", "items": jsObj{"type": "string"}}}, "description": "a code or a list of codes"},
		"bound":     jsObj{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$`, "description": "a day (2026-11-27), a whole day in ruled.yaml's time zone, or an RFC 3339 instant (2026-11-27T06:00:00-05:00)"},
		"instant":   jsObj{"type": "string", "format": "date-time", "description": "an RFC 3339 time, such as 2026-11-27T10:00:00-05:00"},
		"condition": jsText("a condition in the condition language, e.g. audience(\"VIP Shoppers\") and cart.subtotal >= 100"),
		"action": jsObject("the discount the rule gives", jsObj{
			"type":              jsEnum("what the discount does", "by_percent", "by_fixed", "cart_fixed", "buy_x_get_y"),
			"amount":            jsDesc("decimal", "the percent, the amount per unit, the amount for the cart, or Y (free units) for buy_x_get_y"),
			"max_qty":           jsDesc("decimal", "units of each line discounted at most; 0 = no limit"),
			"step":              jsDesc("decimal", "discount qty rounded down to a multiple of it; X for buy_x_get_y"),
			"apply_to_shipping": jsBool("also discount the shipping amount"),
			"free_shipping":     jsEnum("free shipping mode", "none", "matching_items", "shipment"),
			"items":             jsDesc("condition", "condition on item selecting the discounted lines; default all lines"),
		}, "type"),
		"cartRule": jsObject("a cart price rule", jsObj{
			"id":                 jsDesc("id", "unique rule id"),
			"name":               jsText("the rule's name"),
			"label":              jsText("customer-facing label; default name"),
			"enabled":            jsBool("default true"),
			"websites":           jsDesc("codes", "website codes; omitted: every website"),
			"customer_groups":    jsDesc("codes", "customer groups; omitted: every group (guests are guest)"),
			"from":               jsDesc("bound", "first day (or instant) the rule applies, inclusive"),
			"to":                 jsDesc("bound", "last day (or instant) the rule applies, inclusive"),
			"priority":           jsDesc("whole", "lower runs first; default 0"),
			"stop_further_rules": jsBool("later rules skip the lines this rule applied to"),
			"coupon":             jsDesc("codes", "a code or a list of codes, matched ignoring case"),
			"when":               jsDesc("condition", "condition on the cart; default always"),
			"action":             jsRef("action"),
		}, "id", "name", "action"),
		"placement": jsObject("a place on a page where dynamic blocks show", jsObj{
			"id":       jsDesc("id", "placement id"),
			"name":     jsText("the placement's name"),
			"rotation": jsEnum("how the matching blocks are shown", "all", "random", "series", "shuffle"),
			"limit":    jsDesc("whole", "how many blocks at most; default all for all/shuffle, 1 for random/series"),
		}, "id"),
		"block": jsObject("a dynamic block", jsObj{
			"id":              jsDesc("id", "block id"),
			"name":            jsText("the block's name"),
			"enabled":         jsBool("default true"),
			"placement":       jsText("the placement id"),
			"websites":        jsDesc("codes", "website codes; omitted: every website"),
			"customer_groups": jsDesc("codes", "customer groups; omitted: every group"),
			"from":            jsDesc("bound", "first day (or instant) the block shows"),
			"to":              jsDesc("bound", "last day (or instant) the block shows"),
			"priority":        jsDesc("whole", "lower comes first; default 0"),
			"when":            jsDesc("condition", "condition on the cart and audiences"),
			"related_rules":   jsDesc("codes", "cart rule ids: shown only if one of them applied to the cart"),
			"content":         jsText("inline text or HTML"),
			"content_file":    jsText("path of the content, relative to this file"),
			"data":            jsObj{"type": "object", "description": "free-form data returned as-is to headless front ends"},
		}, "id", "placement"),
		"ruleFile": jsObject("a rule file", jsObj{
			"cart_rules": jsList("cart price rules", jsRef("cartRule")),
			"placements": jsList("placements for dynamic blocks", jsRef("placement")),
			"blocks":     jsList("dynamic blocks", jsRef("block")),
		}),
		"audience": jsObject("an audience of the customer data platform", jsObj{
			"id":          jsText("the CDP segment id (a UUID in practice)"),
			"name":        jsText("what rules say: audience(\"VIP Shoppers\")"),
			"description": jsText("what the audience is"),
			"origin":      jsText("default Experience Platform"),
			"updated":     jsDesc("instant", "when the audience last changed"),
			"removed":     jsDesc("instant", "when the CDP stopped activating the audience while rules still used it (written by ruled audiences pull)"),
		}, "id", "name"),
		"audienceFile": jsObject("audiences.yaml: the audience registry", jsObj{"audiences": jsList("audiences", jsRef("audience"))}),
		"configFile": jsObject("ruled.yaml: project settings", jsObj{
			"timezone": jsText("IANA time zone in which rule dates are days; default UTC"),
			"currency": jsObj{"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code of rule amounts; default USD"},
		}),
		"cart": cartSchema(),
		"expect": jsObject("what the evaluation must give; every part is optional", jsObj{
			"applied_rules": jsList("ids of the rules that apply, in order, and no others", jsRef("id")),
			"not_applied":   jsList("ids of rules that must not apply", jsRef("id")),
			"totals": jsObject("expected totals", jsObj{
				"subtotal": jsRef("decimal"), "discount": jsRef("decimal"), "shipping": jsRef("decimal"),
				"shipping_discount": jsRef("decimal"), "grand_total": jsRef("decimal"),
			}),
			"items":         jsObj{"type": "object", "description": "by SKU: what its lines get", "additionalProperties": jsObject("what the line gets", jsObj{"discount": jsRef("decimal")})},
			"free_shipping": jsBool("whether shipping is free"),
			"coupon":        jsObject("the coupon code's fate", jsObj{"applied": jsBool("whether the code applied")}),
			"blocks":        jsObj{"type": "object", "description": "by placement id: the ids of the blocks it shows, in order ([] for none)", "additionalProperties": jsList("block ids", jsRef("id"))},
		}),
		"testCase": jsObject("a test case: a cart and what its evaluation must give", jsObj{
			"name":       jsText("unique in the file; the golden file keys results by it"),
			"now":        jsDesc("instant", "the evaluation time; makes date windows deterministic"),
			"segments":   jsDesc("codes", "segment ids the shopper is a member of"),
			"membership": jsText("a raw aep-segments-membership value, decoded as the server decodes it"),
			"cart":       jsRef("cart"),
			"placements": jsDesc("codes", "placement ids to choose blocks for"),
			"visitor_id": jsText("the visitor, for random and shuffle rotation"),
			"view":       jsDesc("whole", "the storefront's view counter, for series and shuffle rotation"),
			"expect":     jsRef("expect"),
		}, "name"),
		"testFile": jsObj{
			"description": "a test file (*.test.yaml): one case, or a list under cases",
			"anyOf": []any{
				jsRef("testCase"),
				jsObject("test cases", jsObj{"cases": jsList("test cases", jsRef("testCase"))}),
			},
		},
	}
}

// cartSchema is the cart JSON contract, as YAML in test files.
func cartSchema() jsObj {
	amount := jsDesc("decimal", "an amount in the cart's currency")
	return jsObject("the cart, as the storefront posts it", jsObj{
		"website":     jsText("website code; default base"),
		"currency":    jsObj{"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code; default from ruled.yaml"},
		"now":         jsDesc("instant", "the evaluation time"),
		"customer":    jsObject("the shopper", jsObj{"id": jsText("customer id"), "group": jsText("customer group; default guest")}),
		"coupon_code": jsText("the code entered"),
		"segments":    jsList("segment ids of the shopper", jsObj{"type": "string"}),
		"items": jsList("cart lines", jsObject("a cart line", jsObj{
			"sku":        jsText("the product's SKU"),
			"name":       jsText("the product's name"),
			"qty":        jsDesc("decimal", "quantity, more than 0"),
			"price":      amount,
			"weight":     jsDesc("decimal", "unit weight"),
			"categories": jsList("category codes", jsObj{"type": "string"}),
			"attributes": jsObj{"type": "object", "description": "product attributes: strings, numbers, booleans or lists of strings"},
		}, "sku", "qty", "price")),
		"shipping": jsObject("the shipping address and method", jsObj{
			"method": jsText("carrier_method code, e.g. flatrate_flatrate"), "amount": amount,
			"country": jsText("ISO 3166-1 alpha-2 code"), "region": jsText("region code"), "postcode": jsText("postcode"),
		}),
		"payment": jsObject("the payment method", jsObj{"method": jsText("payment method code")}),
	})
}
