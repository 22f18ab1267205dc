package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/ruled/ruled/membership"
)

// openAPIValidator parses openapi.json and checks it against the OpenAPI
// 3.1 specification's schema.
func openAPIValidator(t *testing.T) (validator.Validator, *base.Schema) {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPI)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("openapi.json is OpenAPI %s, want 3.1.0", v)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("openapi.json does not build: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.json is not valid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", f.FieldPath, f.Reason)
			}
		}
		t.FailNow()
	}
	proxy := model.Model.Components.Schemas.GetOrZero("Error")
	if proxy == nil {
		t.Fatal("openapi.json has no Error schema")
	}
	return v, proxy.Schema()
}

// exchange is one request to a served instance and what the contract says
// of it.
type exchange struct {
	name, method, path, ctype, body string
	header                          []string
	status                          int
	// at is the base URL of the instance to ask; empty is the demo's.
	at string
	// undeclared marks an answer no operation can list (an unknown path, a
	// method a path does not take): its body is checked against the Error
	// schema alone.
	undeclared bool
	// op is the operation's path template ("/v1/orders/{id}/cancel");
	// empty is path without its query.
	op string
	// burst, when above 0, sends that many copies of the request at once,
	// "{n}" in the body replaced by the copy's number and "{round}" by the
	// round's, round after round until one copy answers status: for the
	// answers only a race between requests gives.
	burst int
	// has lists what the body must contain, beyond matching the contract:
	// the new parts of an answer must be exercised, not only allowed.
	has []string
	// headers lists response headers and their values, in pairs.
	headers []string
}

// TestOpenAPI validates openapi.json as OpenAPI 3.1, serves it, and checks
// real answers of served instances against it: every operation's success
// and every error status it declares (but 500, which only a bug gives),
// request bodies included for the successes, so the contract and the
// handlers cannot drift. The instances are the demo store; one never
// loaded; one whose reload failed; one with limited rules and a real
// SQLite usage store (orders); one whose store is closed; one with a
// guardrail; one with signed membership; and the admin listener with a
// token. Every route of the route table must have its operation, every
// operation answers 400 to a malformed query string and, on the admin
// listener, 401 without the token.
func TestOpenAPI(t *testing.T) {
	v, errSchema := openAPIValidator(t)
	demoSrv, ts := start(t, Options{MaxBodyBytes: 4096})
	empty := httptest.NewServer(New(Options{Compile: compileDir(demo)}).Handler()) // never loaded
	t.Cleanup(empty.Close)
	broken := brokenServer(t).URL
	ord, down, downClosed := ordersServers(t)
	guarded := guardedServer(t)
	secret := []byte(strings.Repeat("s", 32))
	signed := signedServer(t, secret, true)
	issuer := issuerServer(t, secret)
	const adminToken = "c2VjcmV0LWFkbWluLXRva2Vu"
	admin := httptest.NewServer(demoSrv.AdminHandler(adminToken))
	t.Cleanup(admin.Close)
	token := func(exp time.Time) string {
		tok, err := membership.SignHS256(secret, "", membership.Claims{Segments: []string{vipID}, Subject: "visitor-1", Group: "vip", Expiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	cart := `{"now": "2026-10-09T12:00:00Z", "customer": {"id": "214077", "group": "general"}, "coupon_code": "WELCOME10",
	  "items": [{"sku": "NW-SCK-MERINO-HK", "qty": 3, "price": 18.00, "categories": ["accessories", "socks"], "attributes": {"brand": "Northwind"}},
	            {"sku": "NW-SCK-TRAIL-LOW", "qty": 2, "price": "14.00", "categories": ["accessories", "socks"]}],
	  "shipping": {"method": "tablerate_bestway", "amount": 5.95, "country": "US"}, "payment": {"method": "checkmo"}}`
	var q strings.Builder
	for i := range 11 {
		fmt.Fprintf(&q, ` e%d: evaluateCart(cart: {items: []}) { totals { discount } }`, i)
	}
	tooMany := `{"query": "{` + q.String() + ` }"}`
	big := `{"items": [` + strings.Repeat(`{"sku": "A", "qty": 1, "price": 1},`, 200) + `{"sku": "A", "qty": 1, "price": 1}]}`
	bigOrder := `{"order_id": "big", "cart": ` + big + `}`
	plain := `{"items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
	const cancel = "/v1/orders/{id}/cancel"
	exchanges := []exchange{
		{name: "evaluate", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: cart, status: 200},
		{name: "evaluate with explain and blocks", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType,
			body: `{"now": "2026-10-09T12:00:00Z", "customer": {"group": "vip"}, "items": [{"sku": "A", "qty": 1, "price": "100.00", "categories": ["shoes"]}],
			  "placements": ["home.hero", "cart.promo-strip"], "visitor_id": "v-17", "view": 2}`,
			header: []string{"aep-segments-membership", vipID}, status: 200},
		{name: "evaluate: membership from the cookie", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart,
			header: []string{"Cookie", "aep-segments-membership=" + churnID}, status: 200},
		{name: "evaluate: signed membership verified", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: plain, at: signed,
			header: []string{"aep-segments-membership", token(demoNow.Add(time.Hour))}, status: 200, has: []string{`"membership":{"status":"verified"}`}},
		{name: "evaluate: signed membership expired, explained", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType, body: plain, at: signed,
			header: []string{"aep-segments-membership", token(demoNow.Add(-time.Hour))}, status: 200, has: []string{`"membership":{"status":"expired","reason":`}},
		{name: "evaluate: signed membership from another issuer", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: plain, at: issuer,
			header: []string{"aep-segments-membership", token(demoNow.Add(time.Hour))}, status: 200, has: []string{`"membership":{"status":"wrong_issuer"}`}},
		{name: "evaluate: signed membership absent", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: plain, at: signed,
			status: 200, has: []string{`"membership":{"status":"absent"}`}},
		{name: "evaluate: the guardrail binds", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType, body: plain, at: guarded,
			status: 200, has: []string{`"guardrail":{"cap":"40.00","max_discount_percent":"40","binding":"max_discount_percent","trimmed":"11.00","rules":["b"]}`, `"guardrail":"`}},
		{name: "evaluate: the guardrail takes free shipping back", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, at: guarded, status: 200,
			body: `{"coupon_code": "SHIP", "items": [{"sku": "A", "qty": 1, "price": "100.00"}], "shipping": {"method": "flatrate", "amount": "10.00"}}`,
			has:  []string{`"shipping_trimmed":"10.00"`, `"free_shipping_revoked":"ship"`}},
		{name: "evaluate: bad qty", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType,
			body: `{"items": [{"sku": "A", "qty": 0, "price": 1}]}`, status: 400},
		{name: "evaluate: bad membership", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart,
			header: []string{"aep-segments-membership", "%zz"}, status: 400},
		{name: "evaluate: bad explain", method: "POST", path: "/v1/cart/evaluate?explain=maybe", ctype: jsonType, body: vipCart, status: 400},
		{name: "evaluate: too large", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: big, status: 413},
		{name: "evaluate: not JSON", method: "POST", path: "/v1/cart/evaluate", ctype: "text/plain", body: vipCart, status: 415},
		{name: "evaluate: not ready", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart, status: 503, at: empty.URL},
		{name: "evaluate: GET", method: "GET", path: "/v1/cart/evaluate", status: 405, undeclared: true},

		{name: "order", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("o1", "WELCOME10", "7"), at: ord, status: 201,
			has: []string{`"applied_rules":["once","welcome"]`}},
		{name: "order: replayed", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("o1", "", "7"), at: ord, status: 201,
			headers: []string{"Idempotent-Replayed", "true"}, has: []string{`"applied_rules":["once","welcome"]`}},
		{name: "evaluate: a limit leaves the rule out", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType, at: ord, status: 200,
			body: `{"coupon_code": "WELCOME10", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`,
			has:  []string{`{"rule":"welcome","applied":false,"status":"limit","reason":"coupon WELCOME10 used 1 of 1 times"}`}},
		{name: "order: a budget spent in part", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("c1", "CAPPED", ""), at: ord, status: 201},
		{name: "evaluate: the budget clamps a rule", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType, at: ord, status: 200,
			body: `{"coupon_code": "CAPPED", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`,
			has:  []string{`"budget_clamped":{"budget":"15.00","asked":"10.00","given":"5.00"}`, `"budget":"`}},
		{name: "order: the budget clamps a rule", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("c2", "CAPPED", ""), at: ord, status: 201,
			has: []string{`"budget_clamped":{`}},
		{name: "evaluate: the store is down, failing closed", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: plain, at: downClosed, status: 503,
			has: []string{`"code":"store_unavailable"`}},
		{name: "order: a limit is overrun by a race", method: "POST", path: "/v1/orders", ctype: jsonType, at: ord, status: 409, burst: 2,
			body: `{"order_id": "race-{round}-{n}", "cart": {"customer": {"id": "racer-{round}"}, "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}}`,
			has:  []string{`"code":"limit_exceeded"`, `rule once: the customer used it 1 of 1 times`}},
		{name: "order: no order id", method: "POST", path: "/v1/orders", ctype: jsonType, body: `{"cart": {}}`, at: ord, status: 400,
			has: []string{`"field":"order_id"`}},
		{name: "order: no cart", method: "POST", path: "/v1/orders", ctype: jsonType, body: `{"order_id": "x"}`, at: ord, status: 400,
			has: []string{`"field":"cart"`}},
		{name: "order: bad cart", method: "POST", path: "/v1/orders", ctype: jsonType, at: ord, status: 400,
			body: `{"order_id": "x", "cart": {"items": [{"sku": "A", "qty": -1, "price": "1"}]}}`, has: []string{`"field":"cart.items[0].qty"`}},
		{name: "order: bad membership", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("x", "", ""), at: ord, status: 400,
			header: []string{"aep-segments-membership", "%zz"}, has: []string{`"code":"invalid_membership"`}},
		{name: "order: too large", method: "POST", path: "/v1/orders", ctype: jsonType, body: bigOrder, at: ord, status: 413},
		{name: "order: not JSON", method: "POST", path: "/v1/orders", ctype: "text/plain", body: order("x", "", ""), at: ord, status: 415},
		{name: "order: the store is down", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("d1", "WELCOME10", ""), at: down, status: 503,
			has: []string{`"code":"store_unavailable"`}},
		{name: "order: no store", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("n1", "", ""), status: 503,
			has: []string{`"code":"store_unavailable"`}},
		{name: "order: not ready", method: "POST", path: "/v1/orders", ctype: jsonType, body: order("n1", "", ""), at: empty.URL, status: 503,
			has: []string{`"code":"not_ready"`}},
		{name: "cancel", method: "POST", path: "/v1/orders/o1/cancel", op: cancel, at: ord, status: 200, has: []string{`{"cancelled":true,"order_id":"o1"}`}},
		{name: "cancel again", method: "POST", path: "/v1/orders/o1/cancel", op: cancel, at: ord, status: 200},
		{name: "cancel: unknown order", method: "POST", path: "/v1/orders/nope/cancel", op: cancel, at: ord, status: 404},
		{name: "cancel: the store is down", method: "POST", path: "/v1/orders/o1/cancel", op: cancel, at: down, status: 503},
		{name: "cancel: no store", method: "POST", path: "/v1/orders/o1/cancel", op: cancel, status: 503},
		{name: "orders: no such endpoint", method: "POST", path: "/v1/orders/o1", at: ord, status: 404, undeclared: true},
		{name: "orders: GET", method: "GET", path: "/v1/orders", status: 405, undeclared: true},

		{name: "blocks", method: "POST", path: "/v1/blocks?explain=true", ctype: jsonType,
			body: `{"placements": ["home.hero", "product.tips"], "visitor_id": "v-17", "view": 3, "segments": ["` + churnID + `"],
			  "cart": {"items": [{"sku": "NW-SCK-MERINO-HK", "qty": 3, "price": 18.00, "categories": ["socks"]}]}}`, status: 200},
		{name: "blocks: unknown placement", method: "POST", path: "/v1/blocks", ctype: jsonType, body: `{"placements": ["nowhere"]}`, status: 400},
		{name: "blocks: too large", method: "POST", path: "/v1/blocks", ctype: jsonType, body: big, status: 413},
		{name: "blocks: not JSON", method: "POST", path: "/v1/blocks", ctype: "text/plain", body: `{}`, status: 415},
		{name: "blocks: not ready", method: "POST", path: "/v1/blocks", ctype: jsonType, body: `{"placements": []}`, status: 503, at: empty.URL},
		{name: "list blocks", method: "GET", path: "/v1/blocks", status: 200},
		{name: "list blocks of a placement", method: "GET", path: "/v1/blocks?placement=home.hero", status: 200},
		{name: "list blocks: unknown placement", method: "GET", path: "/v1/blocks?placement=nowhere", status: 400},
		{name: "list blocks: not ready", method: "GET", path: "/v1/blocks", status: 503, at: empty.URL},
		{name: "audiences", method: "GET", path: "/v1/audiences?q=shop&sort=updated&order=desc", status: 200},
		{name: "audiences: bad sort", method: "GET", path: "/v1/audiences?sort=size", status: 400},
		{name: "audiences: not ready", method: "GET", path: "/v1/audiences", status: 503, at: empty.URL},
		{name: "rules", method: "GET", path: "/v1/rules", status: 200},
		{name: "rules: not ready", method: "GET", path: "/v1/rules", status: 503, at: empty.URL},
		{name: "status", method: "GET", path: "/v1/status", status: 200},
		{name: "status: not ready", method: "GET", path: "/v1/status", status: 200, at: empty.URL},
		{name: "status after a failed reload", method: "GET", path: "/v1/status", status: 200, at: broken},
		{name: "status on the admin listener, with the token", method: "GET", path: "/v1/status", status: 200, at: admin.URL,
			header: []string{"Authorization", "Bearer " + adminToken}},
		{name: "reload", method: "POST", path: "/v1/reload", status: 200},
		{name: "reload: the files are wrong", method: "POST", path: "/v1/reload", status: 422, at: broken},
		{name: "healthz", method: "GET", path: "/healthz", status: 200},
		{name: "healthz on the admin listener needs no token", method: "GET", path: "/healthz", status: 200, at: admin.URL},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "readyz: not ready", method: "GET", path: "/readyz", status: 503, at: empty.URL},
		{name: "metrics", method: "GET", path: "/metrics", status: 200},
		{name: "graphql", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id status } }"}`, status: 200},
		{name: "graphql: parse error", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id "}`, status: 200},
		{name: "graphql: too many evaluations", method: "POST", path: "/graphql", ctype: jsonType, body: tooMany, status: 400},
		{name: "graphql: not ready", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id } }"}`, status: 503, at: empty.URL},
		{name: "graphql explorer", method: "GET", path: "/graphql", status: 200},
		{name: "graphql explorer script", method: "GET", path: "/graphql/explorer/explorer.js", op: "/graphql/explorer/{file}", status: 200},
		{name: "graphql explorer: no such file", method: "GET", path: "/graphql/explorer/nothing.js", op: "/graphql/explorer/{file}", status: 404},
		{name: "graphql schema", method: "GET", path: "/graphql/schema.graphql", status: 200},
		{name: "openapi", method: "GET", path: "/openapi.json", status: 200},
		{name: "dashboard", method: "GET", path: "/ui/", status: 302, headers: []string{"Location", "/ui/audiences"}},
		{name: "the root leads to the dashboard", method: "GET", path: "/", status: 302, headers: []string{"Location", "/ui/"}},
		{name: "unknown path", method: "GET", path: "/v1/nothing", status: 404, undeclared: true},
		{name: "method not allowed", method: "DELETE", path: "/v1/rules", status: 405, undeclared: true},
	}

	doc, _ := libopenapi.NewDocument(openAPI)
	model, _ := doc.BuildV3Model()
	type operation struct{ method, path string }
	var ops []operation
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			ops = append(ops, operation{strings.ToUpper(method), path})
		}
	}
	// Every operation on the admin listener without the token, and with a
	// query string that cannot be parsed.
	concrete := strings.NewReplacer("{id}", "o1", "{file}", "explorer.css")
	for _, o := range ops {
		if o.path != "/healthz" && o.path != "/readyz" {
			exchanges = append(exchanges, exchange{name: "admin listener without the token: " + o.method + " " + o.path,
				method: o.method, path: concrete.Replace(o.path), op: o.path, at: admin.URL, status: 401,
				headers: []string{"WWW-Authenticate", `Bearer realm="ruled admin"`}, has: []string{`"code":"unauthorized"`}})
		}
		if o.path != "/" {
			exchanges = append(exchanges, exchange{name: "malformed query string: " + o.method + " " + o.path,
				method: o.method, path: concrete.Replace(o.path) + "?explain=%ZZ", op: o.path, status: 400, has: []string{`"field":"query"`}})
		}
	}

	seen := map[string]bool{} // "METHOD path status" exercised
	for _, x := range exchanges {
		t.Run(x.name, func(t *testing.T) {
			base := x.at
			if base == "" {
				base = ts.URL
			}
			req, resp, body, sent := send(t, base, x)
			if x.path == "/openapi.json" && x.status == 200 && !bytes.Equal(body, openAPI) {
				t.Errorf("GET /openapi.json does not serve the embedded document")
			}
			for _, want := range x.has {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("the answer lacks %s:\n%.2000s", want, body)
				}
			}
			for i := 0; i+1 < len(x.headers); i += 2 {
				if got := resp.Header.Get(x.headers[i]); got != x.headers[i+1] {
					t.Errorf("header %s is %q, want %q", x.headers[i], got, x.headers[i+1])
				}
			}
			if x.undeclared {
				if ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(errSchema, body); !ok {
					t.Errorf("the answer does not match the Error schema: %s\n%s", describe(errs), body)
				}
				return
			}
			op := x.op
			if op == "" {
				op, _, _ = strings.Cut(x.path, "?")
			}
			seen[fmt.Sprintf("%s %s %d", x.method, op, x.status)] = true
			// The validator reads the request again for the successes.
			check, err := http.NewRequest(x.method, req.URL.String(), bytes.NewReader(sent))
			if err != nil {
				t.Fatal(err)
			}
			check.Header = req.Header.Clone()
			if x.status < 300 {
				if ok, errs := v.ValidateHttpRequest(check); !ok {
					t.Errorf("the request does not match the contract: %s", describe(errs))
				}
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.Request = check
			if ok, errs := v.ValidateHttpResponse(check, resp); !ok {
				t.Errorf("the answer does not match the contract: %s\n%.2000s", describe(errs), body)
			}
		})
	}

	// Every status an operation declares is exercised above (500 only a
	// bug gives).
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			for code := range op.Responses.Codes.FromOldest() {
				key := fmt.Sprintf("%s %s %s", strings.ToUpper(method), path, code)
				if code != "500" && !seen[key] {
					t.Errorf("openapi.json declares %s, which no exchange of this test checks", key)
				}
			}
		}
	}

	// Every route the server has is an operation of the contract: a
	// route's path is an operation's, or (for a subtree, ending in /) a
	// prefix of one.
	routes := demoSrv.table()
	routes = append(routes, route{path: DashboardPath + "/", methods: map[string]http.HandlerFunc{"GET": nil}}, route{path: "/", methods: map[string]http.HandlerFunc{"GET": nil}})
	for _, rt := range routes {
		for m := range rt.methods {
			if !slices.ContainsFunc(ops, func(o operation) bool {
				return o.method == m && (o.path == rt.path || strings.HasSuffix(rt.path, "/") && rt.path != "/" && strings.HasPrefix(o.path, rt.path))
			}) {
				t.Errorf("the server answers %s %s, which openapi.json does not describe", m, rt.path)
			}
		}
	}
}

func describe(errs []*liberrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s: %s", f.FieldPath, f.Reason)
		}
	}
	return b.String()
}
