package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gql posts a GraphQL request body as is.
func gql(t *testing.T, base, body string, header ...string) (int, map[string]any) {
	t.Helper()
	code, _, res := call(t, "POST", base+"/graphql", jsonType, body, header...)
	return code, res
}

// gqlQuery posts {"query": q}.
func gqlQuery(t *testing.T, base, q string, header ...string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	return gql(t, base, string(body), header...)
}

// TestGraphQLAdobeCurl sends what a headless storefront sends, in the form
// of Adobe's example:
//
//	curl 'http://localhost:8080/graphql' -H 'aep-segments-membership: <urlencoded list of segment ids>' \
//	  -H 'Content-Type: application/json' --data-binary '{"query":"query { ... }"}'
func TestGraphQLAdobeCurl(t *testing.T) {
	_, ts := start(t, Options{})
	membership := url.QueryEscape(vipID + "," + churnID) // a791c66e-…%2C894a1d6f-…
	body := `{"query":"query { evaluateCart(cart: {now: \"2026-10-01T12:00:00Z\", customer: {group: \"vip\"}, ` +
		`items: [{sku: \"NW-SHO-1\", qty: 2, price: 139.00, categories: [\"shoes\"], attributes: {size: 10.5, color: [\"red\"]}}]}) ` +
		`{ appliedRules { id label discount } totals { subtotal discount grandTotal } audiences segments coupon { code } } }"}`
	code, res := gql(t, ts.URL, body, "aep-segments-membership", membership)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	want := map[string]any{"evaluateCart": map[string]any{
		"appliedRules": []any{map[string]any{"id": "vip-15-everything", "label": "VIP - 15% off", "discount": "41.70"}},
		"totals":       map[string]any{"subtotal": "278.00", "discount": "41.70", "grandTotal": "236.30"},
		"audiences":    []any{"VIP Shoppers", "Churn Risk"},
		"segments":     []any{vipID, churnID},
		"coupon":       nil,
	}}
	if diff := cmp.Diff(want, res["data"]); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}

func TestGraphQLMembership(t *testing.T) {
	_, ts := start(t, Options{})
	q := `query { evaluateCart(cart: {now: "2026-10-01T12:00:00Z", segments: ["` + churnID + `"], items: [{sku: "A", qty: 1, price: "100.00"}]}) { audiences } }`
	tests := []struct {
		name   string
		header []string
		want   []string
	}{
		{"body only", nil, []string{"Churn Risk"}},
		{"header and body", []string{"aep-segments-membership", vipID}, []string{"VIP Shoppers", "Churn Risk"}},
		{"cookie and body", []string{"Cookie", "aep-segments-membership=" + vipID}, []string{"VIP Shoppers", "Churn Risk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, res := gqlQuery(t, ts.URL, q, tt.header...)
			if code != 200 || res["errors"] != nil {
				t.Fatalf("status %d: %v", code, res)
			}
			got := strs(res["data"].(map[string]any)["evaluateCart"].(map[string]any)["audiences"])
			if diff := cmp.Diff(tt.want, got, cmpSet); diff != "" {
				t.Errorf("audiences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGraphQLVariablesExact(t *testing.T) {
	_, ts := start(t, Options{})
	body := `{"query": "query Price($c: CartInput!, $x: Boolean) { evaluateCart(cart: $c, explain: $x) { items { rowTotal } totals { subtotal } explain { rule status } } }",
	  "operationName": "Price",
	  "variables": {"x": true, "c": {"now": "2026-10-01T12:00:00Z", "couponCode": "NOPE",
	    "items": [{"sku": "A", "qty": 3, "price": 0.10}, {"sku": "B", "qty": "1.5", "price": "19.99", "weight": 0.25}],
	    "shipping": {"amount": 4.95, "country": "us"}}}}`
	code, res := gql(t, ts.URL, body)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	ev := res["data"].(map[string]any)["evaluateCart"].(map[string]any)
	items := ev["items"].([]any)
	if items[0].(map[string]any)["rowTotal"] != "0.30" || items[1].(map[string]any)["rowTotal"] != "29.99" {
		t.Errorf("row totals: %v", items)
	}
	if ev["totals"].(map[string]any)["subtotal"] != "30.29" {
		t.Errorf("subtotal: %v", ev["totals"])
	}
	if ex := ev["explain"].([]any); len(ex) == 0 {
		t.Error("explain: true gave no explanation")
	}
}

func TestGraphQLListings(t *testing.T) {
	_, ts := start(t, Options{})
	code, res := gqlQuery(t, ts.URL, `{ audiences(search: "e", sort: UPDATED, order: DESC) { name updated rules } rules { id status audiences line } }`)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("status %d: %v", code, res)
	}
	data := res["data"].(map[string]any)
	first := data["audiences"].([]any)[0].(map[string]any)
	if first["name"] != "New Subscribers" || first["updated"] != "2026-10-13T22:47:19Z" {
		t.Errorf("first audience by update, newest first: %v", first)
	}
	var vip map[string]any
	for _, r := range data["rules"].([]any) {
		if r := r.(map[string]any); r["id"] == "vip-15-everything" {
			vip = r
		}
	}
	if vip == nil || vip["status"] != "enabled" || strs(vip["audiences"])[0] != "VIP Shoppers" || vip["line"].(float64) < 1 {
		t.Errorf("vip-15-everything: %v", vip)
	}
}

// TestGraphQLErrors checks that every error follows the spec: message,
// path where a field failed, and extensions.code (and field for input).
func TestGraphQLErrors(t *testing.T) {
	_, ts := start(t, Options{MaxBodyBytes: 2048})
	const sel = `{ totals { grandTotal } }`
	tests := []struct {
		name, ctype, body string
		header            []string
		status            int
		code, field, msg  string
		path              []any
	}{
		{"syntax", jsonType, `{"query": "query { evaluateCart("}`, nil, 200, gqlParseFailed, "", "syntax error", nil},
		{"unknown field", jsonType, `{"query": "{ rules { idd } }"}`, nil, 200, gqlValidationFailed, "", `Did you mean "id"?`, nil},
		{"missing argument", jsonType, `{"query": "{ evaluateCart ` + sel + `}"}`, nil, 200, gqlValidationFailed, "", "cart", nil},
		{"bad qty", jsonType, `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: 0, price: 1}]}) ` + sel + `}"}`, nil,
			200, "INVALID_INPUT", "cart.items[0].qty", "cart.items[0].qty: must be > 0", []any{"evaluateCart"}},
		{"bad instant", jsonType, `{"query": "{ evaluateCart(cart: {now: \"yesterday\"}) ` + sel + `}"}`, nil,
			200, "INVALID_INPUT", "cart.now", "cart.now: ", []any{"evaluateCart"}},
		{"float beyond 15 digits", jsonType, `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: 1, price: 1.00000000000000011}]}) ` + sel + `}"}`, nil,
			200, gqlValidationFailed, "cart.items[0].price", "cart.items[0].price: the number 1.00000000000000011 has more than 15 significant digits", nil},
		{"exponent", jsonType, `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: 1e3, price: 1}]}) ` + sel + `}"}`, nil,
			200, gqlValidationFailed, "cart.items[0].qty", "cart.items[0].qty: want a plain decimal number such as 19.99, got 1e3", nil},
		{"exponent in a variable", jsonType, `{"query": "query($c: CartInput!) { evaluateCart(cart: $c) ` + sel + `}", "variables": {"c": {"items": [{"sku": "A", "qty": 1e3, "price": 1}]}}}`, nil,
			200, "INVALID_INPUT", "cart.items[0].qty", "cart.items[0].qty: want a plain decimal number such as 19.99, got 1e3", []any{"evaluateCart"}},
		{"wrong currency", jsonType, `{"query": "{ evaluateCart(cart: {currency: \"EUR\"}) ` + sel + `}"}`, nil,
			200, "INVALID_INPUT", "cart.currency", "website \"base\" prices in USD", []any{"evaluateCart"}},
		{"unknown operation", jsonType, `{"query": "query A { rules { id } }", "operationName": "B"}`, nil, 200, "INVALID_INPUT", "", "B", nil},
		{"malformed header", jsonType, `{"query": "{ rules { id } }"}`, []string{"aep-segments-membership", "a%2"},
			400, "INVALID_MEMBERSHIP", "header:aep-segments-membership", "header aep-segments-membership: malformed percent-encoding", nil},
		{"malformed cookie", jsonType, `{"query": "{ rules { id } }"}`, []string{"Cookie", "aep-segments-membership=[1]"},
			400, "INVALID_MEMBERSHIP", "cookie:aep-segments-membership", "want a string", nil},
		{"not JSON", jsonType, `query { rules { id } }`, nil, 400, "INVALID_INPUT", "", "not a GraphQL request", nil},
		{"no query", jsonType, `{"variables": {}}`, nil, 400, "INVALID_INPUT", "query", `no "query"`, nil},
		{"wrong type", "application/graphql", `{ rules { id } }`, nil, 415, "UNSUPPORTED_MEDIA_TYPE", "", "application/json", nil},
		{"too large", jsonType, `{"query": "{ rules { id } }` + strings.Repeat(" ", 4096) + `"}`, nil, 413, "BODY_TOO_LARGE", "", "2048", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, res := call(t, "POST", ts.URL+"/graphql", tt.ctype, tt.body, tt.header...)
			errs, _ := res["errors"].([]any)
			if code != tt.status || len(errs) == 0 {
				t.Fatalf("status %d, body %v; want %d and errors", code, res, tt.status)
			}
			e := errs[0].(map[string]any)
			ext, _ := e["extensions"].(map[string]any)
			if ext["code"] != tt.code {
				t.Errorf("extensions.code = %v, want %s (%v)", ext["code"], tt.code, e)
			}
			if f, _ := ext["field"].(string); f != tt.field {
				t.Errorf("extensions.field = %q, want %q", f, tt.field)
			}
			if m, _ := e["message"].(string); !strings.Contains(m, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", m, tt.msg)
			}
			if p, _ := e["path"].([]any); !cmp.Equal(p, tt.path) {
				t.Errorf("path = %v, want %v", p, tt.path)
			}
		})
	}

	code, h, res := call(t, "PUT", ts.URL+"/graphql", jsonType, `{"query": "{ rules { id } }"}`)
	errs, _ := res["errors"].([]any)
	if code != 405 || h.Get("Allow") != "GET, HEAD, POST" || len(errs) != 1 {
		t.Errorf("PUT /graphql: %d %v %v", code, h, res)
	}
}

// TestGraphQLExplorer checks that GET /graphql is a page for people, made
// only of files this server serves.
func TestGraphQLExplorer(t *testing.T) {
	_, ts := start(t, Options{})
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	code, h, page := get("/graphql")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(page, "<textarea id=\"query\"") {
		t.Fatalf("GET /graphql: %d %v\n%s", code, h, page)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	// Every file the page loads is served here; nothing comes from elsewhere.
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("the page loads %d files", len(refs))
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[1], "/graphql/") {
			t.Errorf("the page loads %s, not from this server", m[1])
			continue
		}
		code, h, body := get(m[1])
		if code != 200 || body == "" || strings.Contains(body, "://") {
			t.Errorf("GET %s: %d %s (%d bytes; no URL of another site may appear)", m[1], code, h.Get("Content-Type"), len(body))
		}
	}
	if code, _, sdl := get("/graphql/schema.graphql"); code != 200 || sdl != schemaText {
		t.Errorf("GET /graphql/schema.graphql: %d", code)
	}
	if code, _, _ := get("/graphql/explorer/nothing.js"); code != 404 {
		t.Errorf("an unknown asset: %d", code)
	}
}

func TestCheckNumbers(t *testing.T) {
	tests := []struct {
		doc       string
		field     string
		msg       string // "" when the document keeps the contract
		line, col int
	}{
		{`{ evaluateCart(cart: {items: [{qty: 2, price: 139.00}]}) { x } }`, "", "", 0, 0},
		{`{ a(x: 123456789012.345) }`, "", "", 0, 0}, // 15 digits: exact
		{`{ a(x: 9223372036854775807, y: -9223372036854775808) }`, "", "", 0, 0},
		{`{ a(x: 1234567890123.456) }`, "x", "more than 15 significant digits", 1, 8},
		{"{\n  a(x: 1.00000000000000011)\n}", "x", "more than 15 significant digits", 2, 8},
		{`{ a(x: -0.1000000000000000000000, z: 100000000000000000000.0) }`, "", "", 0, 0},
		{`{ a(y: 1e-30) }`, "y", "got 1e-30 (numbers take no exponent", 1, 8},
		{`{ a(x: 1.12345678901234567e3) }`, "x", "no exponent", 1, 8},
		{`{ a(s: "1e3", b: """ 2.00000000000000011 \""" 1e3 """) } # 1e3`, "", "", 0, 0},
		{`{ f12345678901234567890: a(x: 0) }`, "", "", 0, 0},
		{`{ a(s: "é", x: 9.99999999999999999) }`, "x", "significant", 1, 16}, // columns count characters
		{`{ evaluateCart(cart: {items: [{sku: "A", qty: 1}, {sku: "B", qty: 1, price: 99999999999999999999}]}) { x } }`,
			"cart.items[1].price", `out of range of a GraphQL number literal: write it as a string ("99999999999999999999")`, 1, 77},
		{`{ x: evaluateCart(cart: {shipping: {amount: 1e400}}, view: 2) @include(if: true) { x } }`, "cart.shipping.amount", "got 1e400", 1, 45},
		{`query Q($v: Int = 1E3, $c: CartInput) { a(v: $v) }`, "$v", "got 1E3", 1, 19},
		{`query Q($v: [Int] = [1, 2e2]) { a(v: $v) }`, "$v[1]", "got 2e2", 1, 25},
		{`{ a(m: [[1], [2, 3.5e1]]) }`, "m[1][1]", "got 3.5e1", 1, 18},
		{`fragment F on Query { a(o: {k: [{n: 5e0}]}) } { ...F }`, "o.k[0].n", "got 5e0", 1, 37},
	}
	for _, tt := range tests {
		p, found := checkNumbers(tt.doc)
		if found != (tt.msg != "") || p.field != tt.field || !strings.Contains(p.msg, tt.msg) || p.line != tt.line || p.col != tt.col {
			t.Errorf("checkNumbers(%q) = %+v, %v; want %q %q at %d:%d", tt.doc, p, found, tt.field, tt.msg, tt.line, tt.col)
		}
	}
}

func TestExact(t *testing.T) {
	tests := []struct {
		in   any
		want any
	}{
		{int32(3), json.Number("3")},
		{int64(1 << 40), json.Number("1099511627776")},
		{139.0, json.Number("139")},
		{19.99, json.Number("19.99")},
		{0.1, json.Number("0.1")},
		{123456789012.345, json.Number("123456789012.345")},
		{"19.99", "19.99"},
		{json.Number("19.990"), json.Number("19.990")},
		{true, true},
		{map[string]any{"size": 10.5, "tags": []any{"a", 1.25}}, map[string]any{"size": json.Number("10.5"), "tags": []any{"a", json.Number("1.25")}}},
	}
	for _, tt := range tests {
		got, err := exact(tt.in, "x")
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("exact(%v) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	a, b := 0.1, 0.2
	if _, err := exact(map[string]any{"w": a + b}, "cart.items[0].attributes"); err == nil ||
		err.(*gqlError).field != "cart.items[0].attributes.w" {
		t.Errorf("exact(0.30000000000000004): %v", err)
	}
}

func TestGQLPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "cart",
		"coupon_code":              "cart.couponCode",
		"items[2].qty":             "cart.items[2].qty",
		"shipping.amount":          "cart.shipping.amount",
		"items[0].attributes.size": "cart.items[0].attributes.size",
	} {
		if got := gqlPath(in); got != want {
			t.Errorf("gqlPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGraphQLPanic(t *testing.T) {
	var logs syncBuffer
	s := New(Options{Compile: compileDir(demo), Logger: newLogger(&logs)})
	ctx := context.WithValue(context.Background(), infoKey{}, &requestInfo{id: "req-7"})
	e := panicHandler{}.MakePanicError(ctx, "boom")
	if e.Extensions["code"] != "INTERNAL" || !strings.Contains(e.Message, "req-7") || strings.Contains(e.Message, "boom") {
		t.Errorf("panic error: %+v", e)
	}
	resp := s.schema.Exec(ctx, `{ rules { id } }`, "", nil) // no rule set in the context: the resolver panics
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Errorf("errors: %v", resp.Errors)
	}
	if !strings.Contains(logs.String(), "panic resolving GraphQL") || !strings.Contains(logs.String(), "request_id=req-7") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

// TestGraphQLLimits checks the limits graphql-js cannot reach in time: the
// deadline, and the count of the introspection query's fields against the
// default field limit.
func TestGraphQLLimits(t *testing.T) {
	_, ts := start(t, Options{GraphQL: GraphQLLimits{Timeout: time.Nanosecond}})
	code, res := gqlQuery(t, ts.URL, `{ rules { id } }`)
	errs, _ := res["errors"].([]any)
	if code != 503 || len(errs) != 1 || res["data"] != nil {
		t.Fatalf("past the deadline: status %d, %v", code, res)
	}
	if ext := errs[0].(map[string]any)["extensions"].(map[string]any); ext["code"] != gqlRequestTimeout || ext["limit"] != "1ns" {
		t.Errorf("extensions: %v", ext)
	}

	s, ts := start(t, Options{})
	code, res = gqlQuery(t, ts.URL, introspectionQuery)
	if code != 200 || res["errors"] != nil {
		t.Fatalf("introspection: %d %v", code, res)
	}
	var b budget
	b.limits = s.opt.GraphQL
	b.stop = func(error) {}
	ctx := context.WithValue(context.Background(), gqlKey{}, &gqlRequest{g: s.live.Load(), budget: &b})
	if resp := s.schema.Exec(ctx, introspectionQuery, "", nil); len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	t.Logf("the introspection query resolves %d fields", b.fields.Load())
	if n := b.fields.Load(); n*10 > DefaultMaxFields {
		t.Errorf("the introspection query resolves %d fields, more than a tenth of DefaultMaxFields", n)
	}

	// The evaluation budget holds at run time too, whatever the document
	// scan counted: the third evaluation stops the request.
	cctx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	eb := &budget{limits: GraphQLLimits{MaxEvaluations: 2, MaxFields: DefaultMaxFields}, stop: stop}
	cctx = context.WithValue(cctx, gqlKey{}, &gqlRequest{g: s.live.Load(), budget: eb})
	q := `{ a: dynamicBlocks(placements: []) { placement } b: dynamicBlocks(placements: []) { placement } c: dynamicBlocks(placements: []) { placement } }`
	s.schema.Exec(cctx, q, "", nil)
	if le, ok := stopped(cctx); !ok || le.code != gqlTooManyEvaluations || eb.evals.Load() != 3 {
		t.Errorf("three evaluations under a budget of two: stopped %v %v after %d", le, ok, eb.evals.Load())
	}
	if got := scanDocument(q).evaluations; got != 3 {
		t.Errorf("scanDocument counts %d evaluations, want 3", got)
	}
}

// introspectionQuery is graphql-js's getIntrospectionQuery() (v16).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`
