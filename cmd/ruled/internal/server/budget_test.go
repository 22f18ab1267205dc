package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/money"
)

// serveRules serves yaml with the store st.
func serveRules(t testing.TB, yaml string, opt Options) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Compile = compileDir(dir)
	_, ts := start(t, opt)
	return ts.URL
}

func budgetRules(amount string) string {
	return `cart_rules:
  - id: budget
    name: Budget
    budget: {amount: ` + amount + `}
    action: {type: by_percent, amount: 10}
`
}

// TestOrdersBudgetClamp: an amount budget is never overrun; the last
// redemption gets what is left, says so in budget_clamped, and the store
// counts exactly that.
func TestOrdersBudgetClamp(t *testing.T) {
	for _, ts := range testStores() {
		t.Run(ts.name, func(t *testing.T) {
			st, _, _ := ts.open(t)
			url := serveRules(t, budgetRules("25.00"), Options{Store: st})
			placed := func(id string) (string, any) {
				t.Helper()
				status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order(id, "", ""))
				if status != http.StatusCreated {
					t.Fatalf("order %s: %d %v", id, status, v)
				}
				var clamp any
				for _, a := range v["applied_rules"].([]any) {
					clamp = a.(map[string]any)["budget_clamped"]
				}
				return v["totals"].(map[string]any)["discount"].(string), clamp
			}
			for _, id := range []string{"o1", "o2"} {
				if d, clamp := placed(id); d != "10.00" || clamp != nil {
					t.Errorf("order %s: discount %s, clamp %v; want 10.00 unclamped", id, d, clamp)
				}
			}
			_, _, ev := call(t, "POST", url+"/v1/cart/evaluate?explain=true", jsonType, `{"items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`)
			if x := ev["explain"].([]any)[0].(map[string]any); x["budget"] != "clamped by its budget: 5.00 of the 10.00 it would give, what was left of 25.00 USD" {
				t.Errorf("evaluation explains %v", x)
			}
			_, _, gq := call(t, "POST", url+"/graphql", jsonType, `{"query": "{ evaluateCart(explain: true, cart: {items: [{sku: \"A\", qty: \"1\", price: \"100.00\"}]}) { appliedRules { discount budgetClamped { budget asked given } } explain { budget } } }"}`)
			wantGQL := map[string]any{"data": map[string]any{"evaluateCart": map[string]any{
				"appliedRules": []any{map[string]any{"discount": "5.00", "budgetClamped": map[string]any{"budget": "25.00", "asked": "10.00", "given": "5.00"}}},
				"explain":      []any{map[string]any{"budget": "clamped by its budget: 5.00 of the 10.00 it would give, what was left of 25.00 USD"}},
			}}}
			if diff := cmp.Diff(wantGQL, gq); diff != "" {
				t.Errorf("GraphQL (-want +got):\n%s", diff)
			}
			d, clamp := placed("o3")
			want := map[string]any{"budget": "25.00", "asked": "10.00", "given": "5.00"}
			if diff := cmp.Diff(want, clamp); d != "5.00" || diff != "" {
				t.Errorf("last order: discount %s, budget_clamped (-want +got):\n%s", d, diff)
			}
			if d, _ := placed("o4"); d != "0.00" {
				t.Errorf("after the budget: discount %s, want 0.00", d)
			}
			if d, clamp := placed("o3"); d != "5.00" || clamp == nil {
				t.Errorf("replay: discount %s, clamp %v; want the first answer", d, clamp)
			}
			u, err := st.RuleUsage(t.Context(), "budget")
			if err != nil || !u.Discount.Equal(money.MustParse("25")) || u.Redemptions != 3 {
				t.Errorf("usage %+v, %v; want 25.00 over 3 redemptions", u, err)
			}
		})
	}
}

// TestOrdersBudgetRace places 200 orders at once, each asking 10.00, for
// a budget of 105.50: every one is placed (201), the orders that lose the
// race for the budget priced again with what is left, and the discounts
// given add up to the budget exactly, as the store's count does.
func TestOrdersBudgetRace(t *testing.T) {
	for _, ts := range testStores() {
		t.Run(ts.name, func(t *testing.T) {
			st, _, _ := ts.open(t)
			url := serveRules(t, budgetRules("105.50"), Options{Store: st})
			var mu sync.Mutex
			total, discounted, clamped := money.Zero, 0, 0
			var wg sync.WaitGroup
			sem := make(chan struct{}, 32)
			for i := range 200 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					status, _, v := call(t, "POST", url+"/v1/orders", jsonType, order(fmt.Sprint("b", i), "", ""))
					if status != http.StatusCreated {
						t.Errorf("status %d: %v", status, v)
						return
					}
					d := money.MustParse(v["totals"].(map[string]any)["discount"].(string))
					mu.Lock()
					defer mu.Unlock()
					total = total.Add(d)
					if d.Sign() > 0 {
						discounted++
					}
					if strings.Contains(fmt.Sprint(v["applied_rules"]), "budget_clamped") {
						clamped++
					}
				}()
			}
			wg.Wait()
			u, err := st.RuleUsage(t.Context(), "budget")
			if err != nil || !total.Equal(money.MustParse("105.50")) || !u.Discount.Equal(total) || discounted != 11 || clamped != 1 || u.Redemptions != 11 {
				t.Errorf("given %s in %d orders (%d clamped); store counted %s in %d redemptions (%v); want 105.50 in 11, one clamped", total, discounted, clamped, u.Discount, u.Redemptions, err)
			}
		})
	}
}

// BenchmarkOrders measures POST /v1/orders end to end (HTTP, pricing,
// the claim's transaction) on each store, one order at a time, for a
// coupon with a use limit and a rule with an amount budget, neither
// reached; reported as placements/s. Run it with -benchtime of a few
// seconds at most.
func BenchmarkOrders(b *testing.B) {
	const rules = `cart_rules:
  - id: welcome
    name: Welcome
    coupon: WELCOME10
    uses_per_coupon: 1000000000
    action: {type: by_percent, amount: 10}
  - id: budget
    name: Budget
    budget: {amount: 1000000000}
    action: {type: by_fixed, amount: 1}
`
	for _, ts := range testStores() {
		b.Run(ts.name, func(b *testing.B) {
			st, _, _ := ts.open(b)
			url := serveRules(b, rules, Options{Store: st}) + "/v1/orders"
			client := &http.Client{}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				resp, err := client.Post(url, jsonType, strings.NewReader(order(fmt.Sprint("bench-", n), "WELCOME10", fmt.Sprint(n%100))))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}
