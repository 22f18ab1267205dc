package server

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/ruled/ruled/engine"
)

// TestRecord: every cart a decision API priced reaches Options.Record with
// the shopper's membership and the instant used; rejected carts and
// block requests without a cart do not.
func TestRecord(t *testing.T) {
	type got struct {
		cart *engine.Cart
		opt  engine.Options
	}
	var mu sync.Mutex
	var recorded []got
	_, ts := start(t, Options{Record: func(c *engine.Cart, opt engine.Options) {
		mu.Lock()
		recorded = append(recorded, got{c, opt})
		mu.Unlock()
	}})
	noNow := `{"customer": {"group": "vip"}, "items": [{"sku": "A", "qty": 1, "price": "100.00"}], "placements": ["home.hero"], "visitor_id": "v-1"}`
	for _, req := range []struct{ path, body string }{
		{"/v1/cart/evaluate", vipCart},
		{"/v1/cart/evaluate", noNow},
		{"/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": 0, "price": "1.00"}]}`},
		{"/v1/blocks", `{"placements": ["home.hero"]}`},
		{"/graphql", `{"query": "query { evaluateCart(cart: {items: [{sku: \"B\", qty: 1, price: \"5.00\"}]}) { totals { grandTotal } } }"}`},
	} {
		call(t, http.MethodPost, ts.URL+req.path, jsonType, req.body, DefaultMembership, vipID)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(recorded) != 3 {
		t.Fatalf("recorded %d carts, want 3 (two REST, one GraphQL)", len(recorded))
	}
	for i, r := range recorded {
		if !slices.Contains(r.cart.Segments, vipID) {
			t.Errorf("cart %d: segments %v lack the membership header's %s", i, r.cart.Segments, vipID)
		}
		if !r.opt.Now.Equal(demoNow) {
			t.Errorf("cart %d: instant %v, want the server clock's %v", i, r.opt.Now, demoNow)
		}
	}
	if r := recorded[1]; !slices.Equal(r.opt.Placements, []string{"home.hero"}) || r.opt.VisitorID != "v-1" {
		t.Errorf("placement options %+v", r.opt)
	}
	if r := recorded[2]; len(r.cart.Items) != 1 || r.cart.Items[0].SKU != "B" {
		t.Errorf("GraphQL cart %+v", r.cart)
	}
}
