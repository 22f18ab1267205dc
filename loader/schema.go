package loader

import (
	"fmt"
	"slices"
)

// This file describes the YAML files the loader reads as a JSON Schema
// (draft 2020-12), for editors. The schema is generated from the key
// tables the loader checks files against (cartRuleKeys, blockKeys,
// testCaseKeys, ...): every key the loader accepts is a property of its
// object, and no other key is; the required keys are those the loader and
// rules.Validate report missing. The descriptions and value shapes below say what each key
// holds; a key added to a table without one here is still allowed (with no
// constraint), and TestSchemaMatchesLoader fails until it is described.
// The loader stays the authority: it also checks what a schema cannot
// (conditions, references, dates in a time zone).

// SchemaKinds are the kinds of file Schema describes.
var SchemaKinds = []string{"rules", "audiences", "config", "test"}

// Schema returns the JSON Schema of one kind of file (see SchemaKinds), or
// of any of them for "" or "all".
func Schema(kind string) (map[string]any, error) {
	defs, _ := schemaDefs()
	root := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$defs":   defs,
	}
	refs := map[string]string{"rules": "ruleFile", "audiences": "audienceFile", "config": "configFile", "test": "testFile"}
	if def, ok := refs[kind]; ok {
		root["title"] = "ruled " + kind + " file"
		root["$ref"] = "#/$defs/" + def
		return root, nil
	}
	if kind != "" && kind != "all" {
		return nil, fmt.Errorf("schema: unknown kind of file %q: want all, rules, audiences, config or test", kind)
	}
	root["title"] = "ruled YAML files"
	root["description"] = "A rule file (cart_rules, placements, blocks), audiences.yaml, ruled.yaml or a test file (*.test.yaml)."
	root["anyOf"] = []any{jsRef("ruleFile"), jsRef("audienceFile"), jsRef("configFile"), jsRef("testFile")}
	return root, nil
}

// jsObj is a JSON object in the schema.
type jsObj = map[string]any

// schemaGaps collects, while the schema is built, the keys of a table that
// have no description and the described keys no table has.
type schemaGaps []string

// object is a closed object over the keys of a loader table, in its
// order: props describes them. Keys of the table missing from props are
// allowed without constraint; props naming keys not in the table are
// dropped. Both are recorded in gaps.
func (g *schemaGaps) object(what, desc string, keys []string, props jsObj, required ...string) jsObj {
	out := jsObj{}
	for _, k := range keys {
		if p, ok := props[k]; ok {
			out[k] = p
		} else {
			out[k] = jsObj{}
			*g = append(*g, fmt.Sprintf("%s: key %q has no description", what, k))
		}
	}
	for k := range props {
		if !slices.Contains(keys, k) {
			*g = append(*g, fmt.Sprintf("%s: key %q is described but the loader does not accept it", what, k))
		}
	}
	o := jsObj{"type": "object", "description": desc, "properties": out, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func jsRef(def string) jsObj { return jsObj{"$ref": "#/$defs/" + def} }

func jsList(desc string, items any) jsObj {
	return jsObj{"type": "array", "description": desc, "items": items}
}

func jsText(desc string) jsObj { return jsObj{"type": "string", "description": desc} }

func jsBool(desc string) jsObj { return jsObj{"type": "boolean", "description": desc} }

func jsEnum(desc string, values ...string) jsObj {
	return jsObj{"type": "string", "description": desc, "enum": values}
}

func jsDesc(def, desc string) jsObj { return jsObj{"$ref": "#/$defs/" + def, "description": desc} }

// schemaDefs returns the definitions of the schema and the gaps between
// them and the loader's tables.
func schemaDefs() (jsObj, schemaGaps) {
	var g schemaGaps
	decimalDesc := "an exact decimal: digits with an optional fraction, such as 10 or 19.99 (no exponent)"
	defs := jsObj{
		"id": jsObj{"type": "string", "pattern": `^[a-z0-9][a-z0-9._-]*$`, "description": "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"},
		// A YAML number is a JSON number here: its syntax is the YAML
		// parser's; as a string, the pattern holds the contract.
		"decimal":   jsObj{"type": []string{"number", "string"}, "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "description": decimalDesc},
		"whole":     jsObj{"type": []string{"integer", "string"}, "pattern": `^-?[0-9]+$`, "description": "a whole number"},
		"codes":     jsObj{"anyOf": []any{jsObj{"type": "string"}, jsObj{"type": "array", "items": jsObj{"type": "string"}}}, "description": "a code or a list of codes"},
		"bound":     jsObj{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$`, "description": "a day (2026-11-27), a whole day in ruled.yaml's time zone, or an RFC 3339 instant (2026-11-27T06:00:00-05:00)"},
		"instant":   jsObj{"type": "string", "format": "date-time", "description": "an RFC 3339 time, such as 2026-11-27T10:00:00-05:00"},
		"condition": jsText("a condition in the condition language, e.g. audience(\"VIP Shoppers\") and cart.subtotal >= 100"),
		"currency":  jsObj{"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "an ISO 4217 code, such as USD (any case)"},
		"action": g.object("action", "the discount the rule gives", actionKeys, jsObj{
			"type":              jsEnum("what the discount does", "by_percent", "by_fixed", "cart_fixed", "buy_x_get_y"),
			"amount":            jsDesc("decimal", "the percent, the amount per unit, the amount for the cart, or Y (free units) for buy_x_get_y"),
			"max_qty":           jsDesc("decimal", "units of each line discounted at most; 0 = no limit"),
			"step":              jsDesc("decimal", "discount qty rounded down to a multiple of it; X for buy_x_get_y"),
			"apply_to_shipping": jsBool("also discount the shipping amount"),
			"free_shipping":     jsEnum("free shipping mode", "none", "matching_items", "shipment"),
			"items":             jsDesc("condition", "condition on item selecting the discounted lines; default all lines"),
		}, "type"),
		"cartRule": g.object("cart rule", "a cart price rule", cartRuleKeys, jsObj{
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
			"coupon":             jsDesc("codes", "a code or a list of codes, matched ignoring case; generated accepts the rule's generated codes"),
			"uses_per_coupon":    jsDesc("whole", "placed orders one code may be used for; omitted or 0: no limit"),
			"uses_per_customer":  jsDesc("whole", "placed orders of one logged-in customer the rule applies to (guests are not limited); omitted or 0: no limit"),
			"budget": g.object("budget", "the rule's cap over all placed orders", budgetKeys, jsObj{
				"amount":      jsDesc("decimal", "total discount the rule may give, in the project's currency"),
				"redemptions": jsDesc("whole", "orders the rule may apply to"),
			}),
			"when":   jsDesc("condition", "condition on the cart; default always"),
			"action": jsRef("action"),
		}, "id", "name", "action"),
		"placement": g.object("placement", "a place on a page where dynamic blocks show", placementKeys, jsObj{
			"id":       jsDesc("id", "placement id"),
			"name":     jsText("the placement's name"),
			"rotation": jsEnum("how the matching blocks are shown", "all", "random", "series", "shuffle"),
			"limit":    jsDesc("whole", "how many blocks at most; default all for all/shuffle, 1 for random/series"),
		}, "id"),
		"block": g.object("block", "a dynamic block", blockKeys, jsObj{
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
		}, "id", "name", "placement"),
		"ruleFile": g.object("rule file", "a rule file", ruleFileKeys, jsObj{
			"cart_rules": jsList("cart price rules", jsRef("cartRule")),
			"placements": jsList("placements for dynamic blocks", jsRef("placement")),
			"blocks":     jsList("dynamic blocks", jsRef("block")),
		}),
		"audience": g.object("audience", "an audience of the customer data platform", audienceKeys, jsObj{
			"id":          jsText("the CDP segment id (a UUID in practice)"),
			"name":        jsText("what rules say: audience(\"VIP Shoppers\")"),
			"description": jsText("what the audience is"),
			"origin":      jsText("default Experience Platform"),
			"updated":     jsDesc("instant", "when the audience last changed"),
			"removed":     jsDesc("instant", "when the CDP stopped activating the audience while rules still used it (written by ruled audiences pull)"),
		}, "id", "name"),
		"audienceFile": g.object("audiences.yaml", "audiences.yaml: the audience registry", audienceFileKeys, jsObj{"audiences": jsList("audiences", jsRef("audience"))}),
		"configFile": g.object("ruled.yaml", "ruled.yaml: project settings", configKeys, jsObj{
			"timezone": jsText("IANA time zone in which rule dates are days; default UTC"),
			"currency": jsDesc("currency", "ISO 4217 code of rule amounts and carts; default USD"),
			"websites": jsObj{"type": "object", "description": "websites with settings of their own, by website code",
				"additionalProperties": g.object("website", "a website's settings", websiteKeys, jsObj{
					"currency": jsDesc("currency", "the currency of this website's carts and fixed amounts"),
				})},
			"membership": g.object("membership", "how a shopper's segment membership and customer group are trusted", membershipKeys, jsObj{
				"signing": g.object("signing", "makes the membership header or cookie a signed token (JWT); unsigned values count as no membership", signingKeys, jsObj{
					"secret_env": jsText("environment variable holding the HS256 shared secret (two, separated by white space, while rotating)"),
					"jwks_file":  jsText("JSON Web Key Set of public keys (RS256, ES256, EdDSA) chosen by kid; relative to the rules directory"),
					"leeway":     jsObj{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, "description": "clock skew allowed on exp, such as 30s; default 0s"},
					"issuer":     jsText("when set, the iss claim every token must carry exactly; other tokens count as no membership (wrong_issuer)"),
					"audience":   jsText("when set, a value the aud claim of every token must hold; other tokens count as no membership (wrong_audience)"),
				}),
				"trust_body": jsBool("whether request bodies may state segments and customer.group; default true (a trusted back end calls ruled)"),
			}),
			"guardrails": g.object("guardrails", "caps on what the rules together take off one cart", guardrailsKeys, jsObj{
				"max_discount_percent": jsDesc("decimal", "most total discount, in percent of the cart subtotal"),
				"max_discount_amount":  jsDesc("decimal", "most total discount, in the currency of the cart's website"),
				"websites":             jsObj{"type": "object", "description": "caps of websites, by website code; each replaces the project's cap", "additionalProperties": jsRef("guardrail")},
				"customer_groups":      jsObj{"type": "object", "description": "caps of customer groups, by group code; each replaces the website's and the project's", "additionalProperties": jsRef("guardrail")},
			}),
		}),
		"guardrail": g.object("guardrail", "a cap on the total discount of one cart", guardrailKeys, jsObj{
			"max_discount_percent": jsDesc("decimal", "most total discount, in percent of the cart subtotal"),
			"max_discount_amount":  jsDesc("decimal", "most total discount, in the currency of the cart's website"),
		}),
		"cart": cartSchema(),
		"expect": g.object("expect", "what the evaluation must give; every part is optional", expectKeys, jsObj{
			"applied_rules": jsList("ids of the rules that apply, in order, and no others", jsRef("id")),
			"not_applied":   jsList("ids of rules that must not apply", jsRef("id")),
			"totals": g.object("totals", "expected totals", totalsKeys, jsObj{
				"subtotal": jsRef("decimal"), "discount": jsRef("decimal"), "shipping": jsRef("decimal"),
				"shipping_discount": jsRef("decimal"), "grand_total": jsRef("decimal"),
			}),
			"items": jsObj{"type": "object", "description": "by SKU: what its lines get",
				"additionalProperties": g.object("item expectation", "what the line gets", itemExpectKeys, jsObj{"discount": jsRef("decimal")})},
			"free_shipping": jsBool("whether shipping is free"),
			"coupon":        g.object("coupon expectation", "the coupon code's fate", couponKeys, jsObj{"applied": jsBool("whether the code applied")}),
			"blocks":        jsObj{"type": "object", "description": "by placement id: the ids of the blocks it shows, in order ([] for none)", "additionalProperties": jsList("block ids", jsRef("id"))},
		}),
		"testCase": g.object("test case", "a test case: a cart and what its evaluation must give", testCaseKeys, jsObj{
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
				g.object("test file", "test cases", testFileKeys, jsObj{"cases": jsList("test cases", jsRef("testCase"))}),
			},
		},
	}
	return defs, g
}

// cartSchema is the cart JSON contract of POST /v1/cart/evaluate, as YAML
// in test files. The loader passes carts on as they are; the engine's
// decoder checks them.
func cartSchema() jsObj {
	amount := jsDesc("decimal", "an amount in the cart's currency")
	closed := func(desc string, props jsObj, required ...string) jsObj {
		o := jsObj{"type": "object", "description": desc, "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	return closed("the cart, as the storefront posts it", jsObj{
		"website":     jsText("website code; default base"),
		"currency":    jsDesc("currency", "ISO 4217 code; default from ruled.yaml"),
		"now":         jsDesc("instant", "the evaluation time"),
		"customer":    closed("the shopper", jsObj{"id": jsText("customer id"), "group": jsText("customer group; default guest")}),
		"coupon_code": jsText("the code entered"),
		"segments":    jsList("segment ids of the shopper", jsObj{"type": "string"}),
		"items": jsList("cart lines", closed("a cart line", jsObj{
			"sku":        jsText("the product's SKU"),
			"name":       jsText("the product's name"),
			"qty":        jsDesc("decimal", "quantity, more than 0"),
			"price":      amount,
			"weight":     jsDesc("decimal", "unit weight"),
			"categories": jsList("category codes", jsObj{"type": "string"}),
			"attributes": jsObj{"type": "object", "description": "product attributes: strings, numbers, booleans or lists of strings"},
		}, "sku", "qty", "price")),
		"shipping": closed("the shipping address and method", jsObj{
			"method": jsText("carrier_method code, e.g. flatrate_flatrate"), "amount": amount,
			"country": jsText("ISO 3166-1 alpha-2 code"), "region": jsText("region code"), "postcode": jsText("postcode"),
		}),
		"payment": closed("the payment method", jsObj{"method": jsText("payment method code")}),
	})
}
