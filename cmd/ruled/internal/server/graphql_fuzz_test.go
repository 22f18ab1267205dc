package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzGraphQL posts documents to the GraphQL endpoint: whatever the
// document, nothing panics (graphql-go logs the panics it recovers, and
// the log must stay free of them), and the answer is JSON with data or
// errors. The seeds are number literals and escapes graphql-go's lexer
// reads in its own way.
func FuzzGraphQL(f *testing.F) {
	for _, q := range []string{
		`{ evaluateCart(cart: {items: [{sku: "A", qty: 2, price: "19.99"}]}) { totals { grandTotal } } }`,
		`{ evaluateCart(cart: {items: [{sku: "A", qty: 1, price: 1, attributes: {a: 0x1F, b: 1_000, c: 0o17, d: 0b1, e: 0x1p-2}}]}) { totals { grandTotal } } }`,
		`{ evaluateCart(cart: {items: [{sku: "A", qty: 1., price: .5}]}) { totals { grandTotal } } }`,
		`{ evaluateCart(cart: {items: [{sku: "A", qty: 1e400, price: 99999999999999999999}]}) { totals { grandTotal } } }`,
		`{ evaluateCart(cart: {items: [{sku: "A", qty: 00012, price: --1}]}) { totals { grandTotal } } }`,
		`{ audiences(search: "\q\u12\uD800") { name } }`,
		`query($v: Int = 99999999999, $w: Decimal = 1e3) { dynamicBlocks(placements: ["home.hero"], view: $v) { placement } }`,
		`{ __type(name: 5) { name fields { type { ofType { ofType { name } } } } } }`,
		`{ dynamicBlocks(placements: "home.hero", view: -2147483649) { placement } }`,
	} {
		f.Add(q)
	}
	var logs syncBuffer
	s := New(Options{Compile: compileDir(demo), Logger: newLogger(&logs), Now: func() time.Time { return demoNow }})
	if _, err := s.Reload(TriggerStart); err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		body, _ := json.Marshal(map[string]string{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var res map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("%q: the answer is not JSON: %v\n%s", q, err, rec.Body.Bytes())
		}
		if _, ok := res["data"]; !ok && res["errors"] == nil {
			t.Fatalf("%q: neither data nor errors: %s", q, rec.Body.Bytes())
		}
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("%q: a panic:\n%s", q, logs.String())
		}
	})
}
