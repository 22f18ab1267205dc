package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGuardrailServed(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ruled.yaml": "currency: USD\nguardrails:\n  max_discount_percent: 40\n",
		"rules.yaml": `cart_rules:
  - {id: a, name: A, priority: 1, action: {type: by_percent, amount: 30}}
  - {id: b, name: B, priority: 2, action: {type: by_percent, amount: 30}}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, ts := start(t, Options{Compile: compileDir(dir)})
	code, _, v := call(t, "POST", ts.URL+"/v1/cart/evaluate?explain=true", jsonType, `{"items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, v)
	}
	if d := v["totals"].(map[string]any)["discount"]; d != "40.00" {
		t.Errorf("discount %v, want 40.00", d)
	}
	g, _ := v["guardrail"].(map[string]any)
	if g["cap"] != "40.00" || g["binding"] != "max_discount_percent" || g["trimmed"] != "11.00" {
		t.Errorf("guardrail %v", g)
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if want := `ruled_guardrail_trims_total{binding="max_discount_percent"} 1`; !strings.Contains(string(data), want) {
		t.Errorf("metrics lack %s", want)
	}
}

func TestGuardrailAndMembershipInGraphQL(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"ruled.yaml": "currency: USD\nguardrails:\n  max_discount_amount: 40\n",
		"rules.yaml": "cart_rules:\n  - {id: a, name: A, priority: 1, action: {type: by_percent, amount: 30}}\n  - {id: b, name: B, priority: 2, action: {type: by_percent, amount: 30}}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, ts := start(t, Options{Compile: compileDir(dir)})
	q := `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: 1, price: \"100.00\"}]}, explain: true) { totals { discount } membership { status } guardrail { cap maxPercent maxAmount binding trimmed rules } explain { rule guardrail } } }"}`
	code, _, v := call(t, "POST", ts.URL+"/graphql", jsonType, q)
	if code != 200 || v["errors"] != nil {
		t.Fatalf("status %d: %v", code, v)
	}
	e := v["data"].(map[string]any)["evaluateCart"].(map[string]any)
	g := e["guardrail"].(map[string]any)
	if e["membership"] != nil || g["cap"] != "40.00" || g["maxAmount"] != "40.00" || g["maxPercent"] != "" || g["trimmed"] != "11.00" || fmt.Sprint(g["rules"]) != "[b]" {
		t.Errorf("evaluation %v", e)
	}
	if ex := e["explain"].([]any); ex[1].(map[string]any)["guardrail"] == "" || ex[0].(map[string]any)["guardrail"] != "" {
		t.Errorf("explain %v", ex)
	}
}
