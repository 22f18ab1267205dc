package server

import (
	"net/http"
	"strings"
	"testing"
)

const downRules = `cart_rules:
  - id: welcome
    name: Welcome
    coupon: WELCOME10
    uses_per_coupon: 3
    action: {type: by_percent, amount: 10}
  - id: always
    name: Always
    action: {type: by_fixed, amount: 1}
`

// TestStoreUnavailable makes a real store unreachable under a server and
// checks both settings of OnStoreUnavailable: skip prices with the rules
// that have no limits and explains the others; fail-closed answers 503
// naming the store, with a coupon or without. Orders answer 503 either
// way, and, once the store is back, the same order id counts once.
func TestStoreUnavailable(t *testing.T) {
	for _, ts := range testStores() {
		for _, setting := range []string{StoreSkip, StoreFailClosed} {
			t.Run(ts.name+"/"+setting, func(t *testing.T) {
				st, down, up := ts.open(t)
				url := serveRules(t, downRules, Options{Store: st, OnStoreUnavailable: setting})
				cart := func(code string) string {
					return `{"coupon_code": "` + code + `", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
				}
				if status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order("before", "WELCOME10", "")); status != http.StatusCreated {
					t.Fatalf("order before the outage: %d %v", status, v)
				}
				down()
				for _, code := range []string{"WELCOME10", ""} {
					for _, q := range []string{"", "?explain=true"} {
						status, _, v := call(t, "POST", url+"/v1/cart/evaluate"+q, jsonType, cart(code))
						switch setting {
						case StoreSkip:
							if status != http.StatusOK || len(v["applied_rules"].([]any)) != 1 || v["totals"].(map[string]any)["discount"] != "1.00" {
								t.Errorf("coupon %q%s: %d %v; want only the rule without limits", code, q, status, v)
							}
							if q != "" && code != "" {
								for _, x := range v["explain"].([]any) {
									if r := x.(map[string]any); r["rule"] == "welcome" && (r["status"] != "limit" || !strings.HasPrefix(r["reason"].(string), "usage store unavailable: ")) {
										t.Errorf("explained %v", r)
									}
								}
							}
						case StoreFailClosed:
							if e, _ := v["error"].(map[string]any); status != http.StatusServiceUnavailable || e["code"] != codeStoreUnavailable || !strings.Contains(e["message"].(string), "usage store unavailable") {
								t.Errorf("coupon %q%s: %d %v; want 503 store_unavailable", code, q, status, v)
							}
						}
					}
				}
				status, _, v := call(t, "POST", url+"/graphql", jsonType, `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: \"1\", price: \"100.00\"}]}) { totals { discount } } }"}`)
				gotCode := ""
				if errs, _ := v["errors"].([]any); len(errs) > 0 {
					gotCode, _ = errs[0].(map[string]any)["extensions"].(map[string]any)["code"].(string)
				}
				if want := map[string]string{StoreSkip: "", StoreFailClosed: "STORE_UNAVAILABLE"}[setting]; gotCode != want || status != http.StatusOK {
					t.Errorf("GraphQL: %d %v; want error code %q", status, v, want)
				}
				if status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order("during", "WELCOME10", "")); status != http.StatusServiceUnavailable || v["error"].(map[string]any)["code"] != codeStoreUnavailable {
					t.Errorf("order during the outage: %d %v; want 503 store_unavailable", status, v)
				}
				if up == nil {
					return
				}
				up()
				for range 2 {
					if status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order("during", "WELCOME10", "")); status != http.StatusCreated {
						t.Fatalf("order retried after the outage: %d %v", status, v)
					}
				}
				if status, _, v := call(t, "POST", url+"/v1/cart/evaluate", jsonType, cart("WELCOME10")); status != http.StatusOK || v["totals"].(map[string]any)["discount"] != "10.90" {
					t.Errorf("evaluation after the outage: %d %v", status, v)
				}
				if u, err := st.Usage(t.Context(), "welcome", "welcome10", ""); err != nil || u.CouponUses != 2 {
					t.Errorf("usage %+v, %v; want 2 uses: the order before and the one retried", u, err)
				}
			})
		}
	}
}

// TestNoStore: a server without a usage store leaves the rules with limits
// out, explained, and prices with the others.
func TestNoStore(t *testing.T) {
	url := serveRules(t, downRules, Options{})
	status, _, v := call(t, "POST", url+"/v1/cart/evaluate?explain=true", jsonType,
		`{"coupon_code": "WELCOME10", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`)
	if status != http.StatusOK || len(v["applied_rules"].([]any)) != 1 || v["totals"].(map[string]any)["discount"] != "1.00" {
		t.Fatalf("%d %v; want only the rule without limits", status, v)
	}
	found := false
	for _, x := range v["explain"].([]any) {
		if r := x.(map[string]any); r["rule"] == "welcome" {
			found = true
			if r["status"] != "limit" || !strings.Contains(r["reason"].(string), "no usage store is open") {
				t.Errorf("explained %v", r)
			}
		}
	}
	if !found {
		t.Error("the limited rule is not explained")
	}
}
