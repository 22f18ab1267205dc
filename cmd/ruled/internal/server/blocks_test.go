package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Audiences of the demo that its blocks target, beside vipID and churnID.
const (
	outdoorID = "19503b05-c43a-42e9-ba4d-8d4397195d75" // Outdoor Enthusiasts
	lapsedID  = "63fb2125-1cae-4879-9520-a8bcee7f8287" // Lapsed Customers
)

// blockIDs returns the ids of the blocks of each placement of an answer's
// "blocks".
func blockIDs(t *testing.T, v any) map[string][]string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("blocks is %T: %v", v, v)
	}
	out := map[string][]string{}
	for pl, bs := range m {
		out[pl] = []string{}
		for _, b := range bs.([]any) {
			out[pl] = append(out[pl], b.(map[string]any)["id"].(string))
		}
	}
	return out
}

// TestBlocksMembership: the membership reaches block conditions from the
// header, the cookie, the body's segments and the cart's, as on
// /v1/cart/evaluate. At the tests' clock (mid-October) the home hero's
// candidates are the VIP hero (for VIP Shoppers) and the default one;
// visitor ivan's pick among the two is the VIP hero. The series of product
// tips has a third tip for Outdoor Enthusiasts: view 2 is that tip.
func TestBlocksMembership(t *testing.T) {
	_, ts := start(t, Options{})
	const ask = `"placements": ["home.hero", "product.tips"], "visitor_id": "ivan", "view": 2`
	member := map[string][]string{"home.hero": {"vip-hero"}, "product.tips": {"tip-outdoor-club"}}
	tests := []struct {
		name   string
		body   string
		header []string
		want   map[string][]string
	}{
		{"none", `{` + ask + `}`, nil, map[string][]string{"home.hero": {"default-hero"}, "product.tips": {"tip-sizing"}}},
		{"header", `{` + ask + `}`, []string{"aep-segments-membership", vipID + "%2C" + outdoorID}, member},
		{"cookie", `{` + ask + `}`, []string{"Cookie", "aep-segments-membership=" + vipID + "," + outdoorID}, member},
		{"body segments", `{` + ask + `, "segments": ["` + vipID + `", "` + outdoorID + `"]}`, nil, member},
		{"cart segments", `{` + ask + `, "cart": {"segments": ["` + vipID + `", "` + outdoorID + `"]}}`, nil, member},
		{"header, body and cart: union", `{` + ask + `, "segments": ["` + outdoorID + `"], "cart": {"segments": ["` + churnID + `"]}}`,
			[]string{"aep-segments-membership", vipID}, member},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, res := call(t, "POST", ts.URL+"/v1/blocks", jsonType, tt.body, tt.header...)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, res)
			}
			if diff := cmp.Diff(tt.want, blockIDs(t, res["blocks"])); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBlocksAnswer checks the whole answer: no cart (an empty one, guest on
// base), content and data as written, why only with ?explain=true.
func TestBlocksAnswer(t *testing.T) {
	_, ts := start(t, Options{})
	body := `{"placements": ["home.hero", "cart.promo-strip"], "visitor_id": "ivan"}`
	code, _, res := call(t, "POST", ts.URL+"/v1/blocks", jsonType, body, "aep-segments-membership", vipID)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, res)
	}
	want := map[string]any{
		"blocks": map[string]any{
			"home.hero": []any{map[string]any{
				"id": "vip-hero", "name": "VIP hero",
				"content": `<section class="hero vip"><h1>Your VIP 15% is waiting</h1></section>`,
				"data":    map[string]any{"image": "/media/hero/vip.jpg", "cta": "Shop now", "href": "/new"},
			}},
			// No cart: no rule applied, so no related block; the nudge needs
			// a US shipping country.
			"cart.promo-strip": []any{},
		},
		"errors": []any{},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}

	_, _, res = call(t, "POST", ts.URL+"/v1/blocks?explain=true", jsonType, body, "aep-segments-membership", vipID)
	hero := res["blocks"].(map[string]any)["home.hero"].([]any)[0].(map[string]any)
	if diff := cmp.Diff([]string{`condition holds: audience("VIP Shoppers")`, "picked at random, stable for this visitor"}, strs(hero["why"])); diff != "" {
		t.Errorf("why (-want +got):\n%s", diff)
	}

	_, _, res = call(t, "POST", ts.URL+"/v1/blocks", jsonType, `{"placements": []}`)
	if diff := cmp.Diff(map[string]any{"blocks": map[string]any{}, "errors": []any{}}, res); diff != "" {
		t.Errorf("no placements (-want +got):\n%s", diff)
	}
}

// TestBlocksRelatedRules: with a cart, its rules apply first; a strip tied
// to a rule shows only when that rule applied.
func TestBlocksRelatedRules(t *testing.T) {
	_, ts := start(t, Options{})
	socks := func(qty int) string {
		return fmt.Sprintf(`{"now": "2026-10-16T20:00:00-04:00", "items": [{"sku": "S", "qty": %d, "price": "18.00", "categories": ["socks"]}], "shipping": {"country": "US"}}`, qty)
	}
	tests := []struct {
		name, cart string
		header     []string
		want       []string
	}{
		// vipCart ships nowhere: no nudge, which is for US carts under 100.
		{"vip rule applied", vipCart, []string{"aep-segments-membership", vipID}, []string{"vip-applied-strip"}},
		{"vip rule not applied", vipCart, nil, []string{}},
		{"multibuy applied", socks(3), nil, []string{"socks-multibuy-strip", "free-shipping-nudge"}},
		{"multibuy not applied", socks(2), nil, []string{"free-shipping-nudge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, res := call(t, "POST", ts.URL+"/v1/blocks", jsonType, `{"placements": ["cart.promo-strip"], "cart": `+tt.cart+`}`, tt.header...)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, res)
			}
			if diff := cmp.Diff(tt.want, blockIDs(t, res["blocks"])["cart.promo-strip"]); diff != "" {
				t.Errorf("strip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvaluateWithPlacements: one call prices the cart and chooses its
// banners; the pricing is the same as without placements.
func TestEvaluateWithPlacements(t *testing.T) {
	_, ts := start(t, Options{})
	vip := []string{"aep-segments-membership", vipID}
	_, _, plain := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart, vip...)
	if _, ok := plain["blocks"]; ok {
		t.Errorf("blocks without placements: %v", plain)
	}
	withPlacements := strings.Replace(vipCart, `{"now"`, `{"placements": ["cart.promo-strip", "home.hero"], "visitor_id": "ivan", "view": 3, "now"`, 1)
	code, _, res := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, withPlacements, vip...)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, res)
	}
	want := map[string][]string{"cart.promo-strip": {"vip-applied-strip"}, "home.hero": {"vip-hero"}}
	if diff := cmp.Diff(want, blockIDs(t, res["blocks"])); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	delete(res, "blocks")
	if diff := cmp.Diff(plain, res); diff != "" {
		t.Errorf("pricing changed with placements (-without +with):\n%s", diff)
	}
	// The fields may come anywhere among the cart's, and null is not given.
	last := strings.Replace(vipCart, `}]}`, `}], "placements": ["cart.promo-strip"], "view": null}`, 1)
	if _, _, res := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, last, vip...); fmt.Sprint(blockIDs(t, res["blocks"])) != "map[cart.promo-strip:[vip-applied-strip]]" {
		t.Errorf("placements last: %v", res)
	}
}

// TestBlocksErrors covers the error answers of POST /v1/blocks and of the
// placement fields of POST /v1/cart/evaluate: status, code, field and
// message, as TestErrors does for the rest.
func TestBlocksErrors(t *testing.T) {
	_, ts := start(t, Options{})
	tests := []struct {
		name, url, body string
		status          int
		field, message  string
	}{
		{"unknown placement", "/v1/blocks", `{"placements": ["home.hero", "cart.promo-strp"]}`,
			400, "placements[1]", `placements[1]: unknown placement "cart.promo-strp"; did you mean "cart.promo-strip"?`},
		{"no placements", "/v1/blocks", `{"cart": {}}`,
			400, "placements", `placements: required: a list of the placement ids to fill (the rule set has "cart.promo-strip", "category.banner", "home.hero", "product.tips")`},
		{"null placements", "/v1/blocks", `{"placements": null}`, 400, "placements", "required"},
		{"placement not a string", "/v1/blocks", `{"placements": ["home.hero", 2]}`, 400, "placements[1]", "placements[1]: want a string, got a number"},
		{"placements not a list", "/v1/blocks", `{"placements": "home.hero"}`, 400, "placements", "want an array of strings, got a string"},
		{"unknown field", "/v1/blocks", `{"placement": ["home.hero"]}`,
			400, "placement", `placement: unknown field, did you mean "placements"? (allowed: placements, cart, segments, visitor_id, view)`},
		{"duplicate field", "/v1/blocks", `{"placements": [], "view": 1, "view": 2}`, 400, "view", "view: duplicate field"},
		{"cart field", "/v1/blocks", `{"placements": ["home.hero"], "cart": {"items": [{"sku": "A", "qty": 0, "price": 1}]}}`,
			400, "cart.items[0].qty", "cart.items[0].qty: must be > 0"},
		{"cart unknown field", "/v1/blocks", `{"placements": ["home.hero"], "cart": {"coupon": "X"}}`, 400, "cart.coupon", "did you mean"},
		{"cart currency", "/v1/blocks", `{"placements": ["home.hero"], "cart": {"currency": "EUR"}}`, 400, "cart.currency", `website "base" prices in USD`},
		{"cart not an object", "/v1/blocks", `{"placements": ["home.hero"], "cart": []}`, 400, "cart", "want an object: the cart JSON contract, got an array"},
		{"segments not strings", "/v1/blocks", `{"placements": ["home.hero"], "segments": [1]}`, 400, "segments[0]", "want a string, got a number"},
		{"negative view", "/v1/blocks", `{"placements": ["home.hero"], "view": -1}`, 400, "view", "want a whole number from 0 to 2147483647"},
		{"fractional view", "/v1/blocks", `{"placements": ["home.hero"], "view": 1.5}`, 400, "view", "want a whole number"},
		{"view as a string", "/v1/blocks", `{"placements": ["home.hero"], "view": "1"}`, 400, "view", "want a number, got a string"},
		{"visitor not a string", "/v1/blocks", `{"placements": ["home.hero"], "visitor_id": 42}`, 400, "visitor_id", "want a string, got a number"},
		{"visitor too long", "/v1/blocks", `{"placements": ["home.hero"], "visitor_id": "` + strings.Repeat("v", 300) + `"}`, 400, "visitor_id", "300 bytes long"},
		{"too many placements", "/v1/blocks", `{"placements": [` + strings.Repeat(`"home.hero",`, 100) + `"home.hero"]}`, 400, "placements", "more than 100 placements"},
		{"malformed JSON", "/v1/blocks", `{"placements": [`, 400, "", "malformed JSON: unexpected end of input at line 1, column 17"},
		{"not an object", "/v1/blocks", `["home.hero"]`, 400, "", "the body must be a JSON object, got an array"},
		{"data after the object", "/v1/blocks", `{"placements": []} {}`, 400, "", "unexpected data after the JSON object"},
		{"evaluate: unknown placement", "/v1/cart/evaluate", `{"placements": ["hero"], "items": []}`,
			400, "placements[0]", `placements[0]: unknown placement "hero"`},
		{"evaluate: duplicate placements", "/v1/cart/evaluate", `{"placements": [], "items": [], "placements": []}`, 400, "placements", "duplicate field"},
		{"evaluate: bad view", "/v1/cart/evaluate", `{"placements": ["home.hero"], "view": true}`, 400, "view", "want a number, got a boolean"},
		{"evaluate: cart errors keep their paths", "/v1/cart/evaluate", `{"placements": ["home.hero"], "items": [{"sku": "A", "qty": -1, "price": 1}]}`,
			400, "items[0].qty", "items[0].qty: must be > 0"},
		{"evaluate: cart duplicates still caught", "/v1/cart/evaluate", `{"placements": ["home.hero"], "website": "base", "website": "ca"}`,
			400, "website", "duplicate field"},
		{"evaluate: placement fields suggested", "/v1/cart/evaluate", `{"placement": ["home.hero"]}`, 400, "placement",
			`placement: unknown field, did you mean "placements"? (allowed: website, currency, now, customer, coupon_code, segments, items, shipping, payment, placements, visitor_id, view)`},
		{"evaluate: cart fields still suggested", "/v1/cart/evaluate", `{"placements": [], "coupon": "X"}`, 400, "coupon", `did you mean "coupon_code"?`},
		{"evaluate: malformed JSON", "/v1/cart/evaluate", `{"placements": ["home.hero"], `, 400, "", "malformed JSON"},
		{"listing: unknown placement", "/v1/blocks?placement=home.her", "", 400, "query:placement", `unknown placement "home.her"; did you mean "home.hero"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, ctype := "POST", jsonType
			if tt.body == "" {
				method, ctype = "GET", ""
			}
			code, _, res := call(t, method, ts.URL+tt.url, ctype, tt.body)
			e, _ := res["error"].(map[string]any)
			if code != tt.status || e["code"] != codeInvalidInput {
				t.Fatalf("status %d, body %v; want %d", code, res, tt.status)
			}
			if f, _ := e["field"].(string); f != tt.field {
				t.Errorf("field = %q, want %q", f, tt.field)
			}
			if m, _ := e["message"].(string); !strings.Contains(m, tt.message) {
				t.Errorf("message = %q, want it to contain %q", m, tt.message)
			}
		})
	}
	code, h, _ := call(t, "DELETE", ts.URL+"/v1/blocks", "", "")
	if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("DELETE /v1/blocks: %d, Allow %q", code, h.Get("Allow"))
	}
}

func TestBlocksListing(t *testing.T) {
	_, ts := start(t, Options{})
	code, _, res := call(t, "GET", ts.URL+"/v1/blocks", "", "")
	if code != 200 || res["version"] == "" {
		t.Fatalf("GET /v1/blocks: %d %v", code, res)
	}
	var placements []string
	for _, p := range res["placements"].([]any) {
		placements = append(placements, p.(map[string]any)["id"].(string))
	}
	if diff := cmp.Diff([]string{"cart.promo-strip", "category.banner", "home.hero", "product.tips"}, placements); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
	hero := res["placements"].([]any)[2].(map[string]any)
	if hero["rotation"] != "random" || hero["limit"] != 0.0 || !strings.HasSuffix(hero["file"].(string), "blocks/blocks.rules") || hero["line"].(float64) < 1 ||
		fmt.Sprint(hero["blocks"]) != "[black-friday-hero holiday-hero-lapsed vip-hero default-hero]" {
		t.Errorf("home.hero: %v", hero)
	}
	byID := map[string]map[string]any{}
	var order []string
	for _, b := range res["blocks"].([]any) {
		b := b.(map[string]any)
		byID[b["id"].(string)] = b
		order = append(order, b["id"].(string))
	}
	if len(order) != 13 || order[0] != "socks-multibuy-strip" || order[len(order)-1] != "tip-outdoor-club" {
		t.Errorf("blocks not by placement, then priority and id: %v", order)
	}
	tests := []struct {
		id, placement, status string
		audiences, related    []string
		contentFile           any
	}{
		// The tests' clock is mid-October 2026.
		{"black-friday-hero", "home.hero", "scheduled", []string{}, []string{}, "content/black-friday-hero.html"},
		{"holiday-hero-lapsed", "home.hero", "scheduled", []string{"Churn Risk", "Lapsed Customers"}, []string{}, "content/holiday-hero.html"},
		{"vip-hero", "home.hero", "enabled", []string{"VIP Shoppers"}, []string{}, nil},
		{"socks-multibuy-strip", "cart.promo-strip", "enabled", []string{}, []string{"socks-buy2-get1", "holiday-2026-accessories-b2g1"}, nil},
		{"banner-loyalty", "category.banner", "enabled", []string{"Loyalty Gold"}, []string{}, nil},
	}
	for _, tt := range tests {
		b := byID[tt.id]
		if b == nil {
			t.Errorf("block %s not listed", tt.id)
			continue
		}
		got := []any{b["placement"], b["status"], strs(b["audiences"]), strs(b["related_rules"]), b["content_file"]}
		want := []any{tt.placement, tt.status, tt.audiences, tt.related, tt.contentFile}
		if diff := cmp.Diff(want, got, cmp.Transformer("nonNil", func(l []string) []string {
			if l == nil {
				return []string{}
			}
			return l
		})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.id, diff)
		}
	}
	if b := byID["black-friday-hero"]; b["from"] != "2026-11-27" || b["to"] != "2026-11-30" || b["enabled"] != true {
		t.Errorf("black-friday-hero: %v", b)
	}

	_, _, res = call(t, "GET", ts.URL+"/v1/blocks?placement=product.tips", "", "")
	if len(res["placements"].([]any)) != 1 || len(res["blocks"].([]any)) != 3 {
		t.Errorf("?placement=product.tips: %v", res)
	}
}

// TestBlocksMetrics: blocks served are counted by placement and block.
func TestBlocksMetrics(t *testing.T) {
	_, ts := start(t, Options{})
	body := `{"placements": ["home.hero", "cart.promo-strip"], "visitor_id": "ivan"}`
	call(t, "POST", ts.URL+"/v1/blocks", jsonType, body, "aep-segments-membership", vipID)
	call(t, "POST", ts.URL+"/v1/blocks", jsonType, body)
	call(t, "POST", ts.URL+"/v1/blocks", jsonType, `{"placements": ["nope"]}`)
	gqlQuery(t, ts.URL, `{ dynamicBlocks(placements: ["home.hero"], visitorId: "ivan") { placement } }`)
	wantMetrics(t, metricsText(t, ts.URL),
		`ruled_http_requests_total{code="200",route="blocks"} 2`,
		`ruled_http_requests_total{code="400",route="blocks"} 1`,
		`ruled_blocks_served_total{block="vip-hero",placement="home.hero"} 1`,
		`ruled_blocks_served_total{block="default-hero",placement="home.hero"} 2`,
		`ruled_placement_requests_total{placement="home.hero",result="filled"} 3`,
		`ruled_placement_requests_total{placement="cart.promo-strip",result="empty"} 2`,
		`ruled_evaluations_total{api="graphql",result="ok"} 1`,
		`ruled_rule_set_blocks 13`,
	)
}

func TestGraphQLDynamicBlocks(t *testing.T) {
	_, ts := start(t, Options{})
	const sel = `{ placement blocks { id name content data why } }`
	q := `{ dynamicBlocks(placements: ["cart.promo-strip", "home.hero"], visitorId: "ivan", explain: true,
	  cart: {now: "2026-10-01T12:00:00Z", customer: {group: "vip"}, items: [{sku: "A", qty: 1, price: "100.00"}]}) ` + sel + ` }`
	for _, header := range [][]string{{"aep-segments-membership", vipID}, {"Cookie", "aep-segments-membership=" + vipID}} {
		code, res := gqlQuery(t, ts.URL, q, header...)
		if code != 200 || res["errors"] != nil {
			t.Fatalf("status %d: %v", code, res)
		}
		want := []any{
			map[string]any{"placement": "cart.promo-strip", "blocks": []any{map[string]any{
				"id": "vip-applied-strip", "name": "VIP discount applied", "content": "Your VIP 15% is applied, shipping included.",
				"data": nil, "why": []any{"related rule applied: vip-15-everything", "shown in priority order"},
			}}},
			map[string]any{"placement": "home.hero", "blocks": []any{map[string]any{
				"id": "vip-hero", "name": "VIP hero", "content": `<section class="hero vip"><h1>Your VIP 15% is waiting</h1></section>`,
				"data": map[string]any{"image": "/media/hero/vip.jpg", "cta": "Shop now", "href": "/new"},
				"why":  []any{`condition holds: audience("VIP Shoppers")`, "picked at random, stable for this visitor"},
			}}},
		}
		if diff := cmp.Diff(want, res["data"].(map[string]any)["dynamicBlocks"]); diff != "" {
			t.Errorf("%s: dynamicBlocks (-want +got):\n%s", header[0], diff)
		}
	}

	// No cart, no membership: an empty cart for a guest. Series by view.
	code, res := gqlQuery(t, ts.URL, `{ dynamicBlocks(placements: ["product.tips", "cart.promo-strip"], view: 1) { placement blocks { id why } } }`)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	want := []any{
		map[string]any{"placement": "product.tips", "blocks": []any{map[string]any{"id": "tip-returns", "why": []any{}}}},
		map[string]any{"placement": "cart.promo-strip", "blocks": []any{}},
	}
	if diff := cmp.Diff(want, res["data"].(map[string]any)["dynamicBlocks"]); diff != "" {
		t.Errorf("no cart (-want +got):\n%s", diff)
	}

	errs := []struct{ query, field, message string }{
		{`{ dynamicBlocks(placements: ["home.hero", "hom.hero"]) { placement } }`, "placements[1]", `placements[1]: unknown placement "hom.hero"; did you mean "home.hero"?`},
		{`{ dynamicBlocks(placements: ["home.hero"], view: -2) { placement } }`, "view", "view: want a whole number from 0"},
		{`{ dynamicBlocks(placements: ["home.hero"], visitorId: "` + strings.Repeat("v", 257) + `") { placement } }`, "visitorId", "visitorId: is 257 bytes long"},
		{`{ dynamicBlocks(placements: ["home.hero"], cart: {couponCode: "  ", items: [{sku: "A", qty: 0, price: 1}]}) { placement } }`, "cart.items[0].qty", "cart.items[0].qty: must be > 0"},
		{`{ blocks(placement: "home.her") { id } }`, "placement", `placement: unknown placement "home.her"; did you mean "home.hero"?`},
	}
	for _, tt := range errs {
		code, res := gqlQuery(t, ts.URL, tt.query)
		list, _ := res["errors"].([]any)
		if code != 200 || len(list) != 1 {
			t.Fatalf("%s: status %d: %v", tt.query, code, res)
		}
		e := list[0].(map[string]any)
		ext := e["extensions"].(map[string]any)
		if ext["code"] != "INVALID_INPUT" || ext["field"] != tt.field || !strings.HasPrefix(e["message"].(string), tt.message) {
			t.Errorf("%s: error %v, want field %s and message %s", tt.query, e, tt.field, tt.message)
		}
	}
}

func TestGraphQLBlocksListing(t *testing.T) {
	_, ts := start(t, Options{})
	code, res := gqlQuery(t, ts.URL, `{ placements { id rotation limit blocks file line }
	  blocks(placement: "home.hero") { id placement enabled status priority from to websites customerGroups audiences relatedRules contentFile line } }`)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	data := res["data"].(map[string]any)
	strip := data["placements"].([]any)[0].(map[string]any)
	if strip["id"] != "cart.promo-strip" || strip["rotation"] != "all" || strip["limit"] != 3.0 {
		t.Errorf("first placement: %v", strip)
	}
	blocks := data["blocks"].([]any)
	holiday := blocks[1].(map[string]any)
	want := map[string]any{
		"id": "holiday-hero-lapsed", "placement": "home.hero", "enabled": true, "status": "scheduled", "priority": 0.0,
		"from": "2026-12-01", "to": "2026-12-31", "websites": []any{}, "customerGroups": []any{},
		"audiences": []any{"Churn Risk", "Lapsed Customers"}, "relatedRules": []any{}, "contentFile": "content/holiday-hero.html",
		"line": holiday["line"],
	}
	if diff := cmp.Diff(want, holiday); diff != "" || len(blocks) != 4 {
		t.Errorf("%d blocks; holiday hero (-want +got):\n%s", len(blocks), diff)
	}
	raw, _ := json.Marshal(blocks)
	if strings.Contains(string(raw), `"contentFile":""`) {
		t.Errorf("inline content has a content file: %s", raw)
	}
}

// evaluateCart with placements prices the cart and chooses its blocks in
// one evaluation, as /v1/cart/evaluate does.
func TestGraphQLEvaluateCartBlocks(t *testing.T) {
	_, ts := start(t, Options{})
	q := `{ evaluateCart(placements: ["cart.promo-strip"], visitorId: "ivan",
	  cart: {now: "2026-10-01T12:00:00Z", customer: {group: "vip"}, items: [{sku: "A", qty: 1, price: "100.00"}]}) {
	    appliedRules { id } blocks { placement blocks { id } } } }`
	code, res := gqlQuery(t, ts.URL, q, "aep-segments-membership", vipID)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	want := map[string]any{
		"appliedRules": []any{map[string]any{"id": "vip-15-everything"}},
		"blocks":       []any{map[string]any{"placement": "cart.promo-strip", "blocks": []any{map[string]any{"id": "vip-applied-strip"}}}},
	}
	if diff := cmp.Diff(want, res["data"].(map[string]any)["evaluateCart"]); diff != "" {
		t.Errorf("evaluateCart (-want +got):\n%s", diff)
	}
	// Without placements, blocks is empty; a wrong placement names its index.
	code, res = gqlQuery(t, ts.URL, `{ evaluateCart(cart: {items: [{sku: "A", qty: 1, price: 1}]}) { blocks { placement } } }`)
	if code != 200 || res["errors"] != nil || len(res["data"].(map[string]any)["evaluateCart"].(map[string]any)["blocks"].([]any)) != 0 {
		t.Errorf("no placements: %d %v", code, res)
	}
	_, res = gqlQuery(t, ts.URL, `{ evaluateCart(placements: ["cart.promo-strp"], cart: {items: [{sku: "A", qty: 1, price: 1}]}) { blocks { placement } } }`)
	if res["errors"] == nil || !strings.Contains(fmt.Sprint(res["errors"]), `placements[0]: unknown placement "cart.promo-strp"; did you mean "cart.promo-strip"?`) {
		t.Errorf("unknown placement: %v", res)
	}
}
