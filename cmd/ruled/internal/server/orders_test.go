package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/sqlite"
)

const limitedRules = `cart_rules:
  - id: welcome
    name: Welcome
    coupon: WELCOME10
    uses_per_coupon: 3
    action: {type: by_percent, amount: 10}
  - id: pool
    name: Pool
    coupon: generated
    budget: {redemptions: 1}
    action: {type: cart_fixed, amount: 5}
`

// startOrders serves limitedRules with a real SQLite usage store.
func startOrders(t *testing.T) (store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(limitedRules), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, ts := start(t, Options{Compile: compileDir(dir), Store: st})
	return st, ts.URL
}

func order(id, code, customer string) string {
	return fmt.Sprintf(`{"order_id": %q, "cart": {"customer": {"id": %q, "group": "general"}, "coupon_code": %q, "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}}`, id, customer, code)
}

func TestOrders(t *testing.T) {
	st, url := startOrders(t)
	if err := st.AddCodes(context.Background(), "pool", []store.Code{{Code: "gen-1", Display: "GEN-1"}}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, h http.Header, v map[string]any)
	}{
		{"place", "POST", "/v1/orders", order("o1", "welcome10", "7"), http.StatusCreated, func(t *testing.T, h http.Header, v map[string]any) {
			if got := v["totals"].(map[string]any)["discount"]; got != "10.00" {
				t.Errorf("discount %v", got)
			}
		}},
		{"replay answers the first result", "POST", "/v1/orders", order("o1", "", "7"), http.StatusCreated, func(t *testing.T, h http.Header, v map[string]any) {
			if h.Get("Idempotent-Replayed") != "true" || v["totals"].(map[string]any)["discount"] != "10.00" {
				t.Errorf("replay: %v %v", h, v["totals"])
			}
		}},
		{"second", "POST", "/v1/orders", order("o2", "WELCOME10", ""), http.StatusCreated, nil},
		{"third", "POST", "/v1/orders", order("o3", "WELCOME10", ""), http.StatusCreated, nil},
		{"over the limit: priced without the rule", "POST", "/v1/orders", order("o4", "WELCOME10", ""), http.StatusCreated, func(t *testing.T, h http.Header, v map[string]any) {
			if got := v["totals"].(map[string]any)["discount"]; got != "0.00" {
				t.Errorf("discount %v after the limit", got)
			}
		}},
		{"evaluate explains the limit", "POST", "/v1/cart/evaluate?explain=true", `{"coupon_code": "WELCOME10", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`, http.StatusOK, func(t *testing.T, h http.Header, v map[string]any) {
			for _, x := range v["explain"].([]any) {
				if x := x.(map[string]any); x["rule"] == "welcome" && x["reason"] != "coupon WELCOME10 used 3 of 3 times" {
					t.Errorf("reason %v", x["reason"])
				}
			}
		}},
		{"cancel", "POST", "/v1/orders/o2/cancel", "", http.StatusOK, nil},
		{"cancel again", "POST", "/v1/orders/o2/cancel", "", http.StatusOK, nil},
		{"a use came back", "POST", "/v1/orders", order("o5", "WELCOME10", ""), http.StatusCreated, func(t *testing.T, h http.Header, v map[string]any) {
			if got := v["totals"].(map[string]any)["discount"]; got != "10.00" {
				t.Errorf("discount %v after a cancel", got)
			}
		}},
		{"generated code", "POST", "/v1/orders", order("o6", "gen-1", ""), http.StatusCreated, func(t *testing.T, h http.Header, v map[string]any) {
			if got := v["totals"].(map[string]any)["discount"]; got != "5.00" {
				t.Errorf("discount %v with a generated code", got)
			}
		}},
		{"unknown order", "POST", "/v1/orders/nope/cancel", "", http.StatusNotFound, nil},
		{"no order id", "POST", "/v1/orders", `{"cart": {}}`, http.StatusBadRequest, func(t *testing.T, h http.Header, v map[string]any) {
			if f := v["error"].(map[string]any)["field"]; f != "order_id" {
				t.Errorf("field %v", f)
			}
		}},
		{"bad cart", "POST", "/v1/orders", `{"order_id": "x", "cart": {"items": [{"sku": "A", "qty": -1, "price": "1"}]}}`, http.StatusBadRequest, func(t *testing.T, h http.Header, v map[string]any) {
			if f := v["error"].(map[string]any)["field"]; f != "cart.items[0].qty" {
				t.Errorf("field %v", f)
			}
		}},
	}
	for _, s := range steps {
		status, h, v := call(t, s.method, url+s.path, jsonType, s.body)
		if status != s.status {
			t.Fatalf("%s: status %d, want %d: %v", s.name, status, s.status, v)
		}
		if s.check != nil {
			s.check(t, h, v)
		}
	}
	u, err := st.Usage(context.Background(), "welcome", "welcome10", "7")
	if err != nil || u.CouponUses != 3 || u.CustomerUses != 1 || u.Redemptions != 3 {
		t.Errorf("usage %+v, %v", u, err)
	}
}

// TestOrdersRace places 200 orders at once against 3 uses: the store's
// conditional updates refuse the ones that lose the race with 409, and
// exactly 3 get the discount.
func TestOrdersRace(t *testing.T) {
	st, url := startOrders(t)
	var discounted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order(fmt.Sprint("r", i), "WELCOME10", ""))
			switch {
			case status == http.StatusConflict:
				refused.Add(1)
			case status == http.StatusCreated && v["totals"].(map[string]any)["discount"] == "10.00":
				discounted.Add(1)
			case status != http.StatusCreated:
				t.Errorf("status %d: %v", status, v)
			}
		}()
	}
	wg.Wait()
	u, _ := st.Usage(context.Background(), "welcome", "welcome10", "")
	if discounted.Load() != 3 || u.CouponUses != 3 {
		t.Errorf("%d orders discounted (%d refused), %d uses counted; want 3", discounted.Load(), refused.Load(), u.CouponUses)
	}
}

func TestOrdersGraphQL(t *testing.T) {
	_, url := startOrders(t)
	place := `{"query": "mutation { placeOrder(orderId: \"g1\", cart: {couponCode: \"WELCOME10\", items: [{sku: \"A\", qty: \"1\", price: \"100.00\"}]}) { totals { discount } } }"}`
	for range 2 { // the second is a replay
		status, _, v := call(t, "POST", url+"/graphql", jsonType, place)
		data, _ := v["data"].(map[string]any)
		if status != 200 || data == nil || data["placeOrder"].(map[string]any)["totals"].(map[string]any)["discount"] != "10.00" {
			t.Fatalf("placeOrder: %d %v", status, v)
		}
	}
	status, _, v := call(t, "POST", url+"/graphql", jsonType, `{"query": "mutation { a: cancelOrder(orderId: \"g1\") b: cancelOrder(orderId: \"nope\") }"}`)
	if data, _ := v["data"].(map[string]any); status != 200 || data["a"] != true || data["b"] != false {
		t.Errorf("cancelOrder: %d %v", status, v)
	}
}
