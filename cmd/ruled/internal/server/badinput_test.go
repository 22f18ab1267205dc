package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadInputMatrix sends what a hostile or broken client sends, over
// REST and GraphQL, to a server on a real listener with the settings ruled
// serve uses: every answer is a 4xx that names the problem, and the server
// is healthy after.
func TestBadInputMatrix(t *testing.T) {
	s := New(Options{Compile: compileDir(demo), Now: func() time.Time { return demoNow }})
	if _, err := s.Reload(TriggerStart); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, Timeouts{}) }()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + ln.Addr().String()

	item := `{"sku": "A", "qty": 1, "price": "10.00"}`
	manyItems := `{"items": [` + strings.TrimSuffix(strings.Repeat(item+",", 10000), ",") + `]}`
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	huge := `{"items": [{"sku": "A", "qty": 1, "price": "` + strings.Repeat("9", 400) + `"}]}`
	gql := func(cart string) string {
		b, _ := json.Marshal(map[string]any{"query": "query($c: CartInput!) { evaluateCart(cart: $c) { totals { discount } } }", "variables": map[string]any{"c": json.RawMessage(cart)}})
		return string(b)
	}
	floodHeaders := func(r *http.Request) {
		for i := range 2000 {
			r.Header.Add(fmt.Sprintf("X-Flood-%d", i), strings.Repeat("x", 64))
		}
	}
	tests := []struct {
		name, path, body string
		prepare          func(*http.Request)
		says             string // part of the answer that names the problem
	}{
		{"malformed json", "/v1/cart/evaluate", `{"items": [`, nil, "JSON"},
		{"wrong type", "/v1/cart/evaluate", `{"items": "many"}`, nil, "items"},
		{"qty not a number", "/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": "lots", "price": "1.00"}]}`, nil, "items[0].qty"},
		{"NaN", "/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": NaN, "price": "1.00"}]}`, nil, "JSON"},
		{"NaN as a string", "/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": "NaN", "price": "1.00"}]}`, nil, "items[0].qty"},
		{"huge number", "/v1/cart/evaluate", huge, nil, "items[0].price"},
		{"negative quantity", "/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": -1, "price": "1.00"}]}`, nil, "items[0].qty"},
		{"10,000 items", "/v1/cart/evaluate", manyItems, nil, "items"},
		{"5 MiB body", "/v1/cart/evaluate", `{"x": "` + strings.Repeat("a", 5<<20) + `"}`, nil, "body"},
		{"deep nesting", "/v1/cart/evaluate", deep, nil, ""},
		{"invalid UTF-8", "/v1/cart/evaluate", "{\"items\": [{\"sku\": \"\xff\xfe\", \"qty\": 1, \"price\": \"1.00\"}]}", nil, "UTF-8"},
		{"header flood", "/v1/cart/evaluate", vipCart, floodHeaders, ""},
		{"malformed query string", "/v1/cart/evaluate?explain=%ZZ", vipCart, nil, "query"},
		{"blocks: wrong type", "/v1/blocks", `{"placements": "home"}`, nil, "placements"},

		{"graphql: malformed json", "/graphql", `{"query": `, nil, ""},
		{"graphql: wrong type", "/graphql", gql(`{"items": "many"}`), nil, "items"},
		{"graphql: negative quantity", "/graphql", gql(`{"items": [{"sku": "A", "qty": "-1", "price": "1.00"}]}`), nil, "qty"},
		{"graphql: huge number", "/graphql", gql(`{"items": [{"sku": "A", "qty": 1, "price": "` + strings.Repeat("9", 400) + `"}]}`), nil, "price"},
		{"graphql: 10,000 items", "/graphql", gql(`[` + strings.TrimSuffix(strings.Repeat(item+",", 10000), ",") + `]`), nil, ""},
		{"graphql: 5 MiB body", "/graphql", `{"query": "` + strings.Repeat("a", 5<<20) + `"}`, nil, ""},
		{"graphql: deep nesting", "/graphql", `{"query": "{ ` + strings.Repeat("a { ", 5000) + strings.Repeat("}", 5000) + ` }"}`, nil, ""},
		{"graphql: invalid UTF-8", "/graphql", "{\"query\": \"{ __typename \xff }\"}", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", base+tt.path, bytes.NewBufferString(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", jsonType)
			if tt.prepare != nil {
				tt.prepare(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bad := resp.StatusCode >= 400 && resp.StatusCode < 500
			if !bad && tt.path == "/graphql" && resp.StatusCode == 200 {
				// GraphQL answers a query that runs with errors in the body.
				var v struct{ Errors []any }
				bad = json.Unmarshal(data, &v) == nil && len(v.Errors) > 0
			}
			if !bad {
				t.Fatalf("status %d: want a 4xx (or GraphQL errors)\n%.300s", resp.StatusCode, data)
			}
			if !strings.Contains(string(data), tt.says) {
				t.Errorf("answer does not say %q:\n%.300s", tt.says, data)
			}
		})
	}
	code, _, _ := call(t, "GET", base+"/healthz", "", "")
	code2, _, v := call(t, "POST", base+"/v1/cart/evaluate", jsonType, vipCart)
	if code != 200 || code2 != 200 {
		t.Fatalf("after the matrix: healthz %d, evaluate %d %v", code, code2, v)
	}
}
