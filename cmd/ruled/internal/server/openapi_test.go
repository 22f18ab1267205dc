package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
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

// exchange is one request to the demo and what the contract says of it.
type exchange struct {
	name, method, path, ctype, body string
	header                          []string
	status                          int
	// server is the server to ask; nil is the demo's.
	server *httptest.Server
	// undeclared marks an answer no operation can list (an unknown path, a
	// method a path does not take): its body is checked against the Error
	// schema alone.
	undeclared bool
}

// TestOpenAPI validates openapi.json as OpenAPI 3.1, serves it, and checks
// real answers of the demo store against it: every operation's success and
// every error status it declares (but 500, which only a bug gives), request
// bodies included for the successes, so the contract and the handlers
// cannot drift.
func TestOpenAPI(t *testing.T) {
	v, errSchema := openAPIValidator(t)
	_, ts := start(t, Options{MaxBodyBytes: 4096})
	empty := httptest.NewServer(New(Options{Compile: compileDir(demo)}).Handler()) // never loaded
	t.Cleanup(empty.Close)
	broken := brokenServer(t)

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
	exchanges := []exchange{
		{name: "evaluate", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: cart, status: 200},
		{name: "evaluate with explain and blocks", method: "POST", path: "/v1/cart/evaluate?explain=true", ctype: jsonType,
			body: `{"now": "2026-10-09T12:00:00Z", "customer": {"group": "vip"}, "items": [{"sku": "A", "qty": 1, "price": "100.00", "categories": ["shoes"]}],
			  "placements": ["home.hero", "cart.promo-strip"], "visitor_id": "v-17", "view": 2}`,
			header: []string{"aep-segments-membership", vipID}, status: 200},
		{name: "evaluate: membership from the cookie", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart,
			header: []string{"Cookie", "aep-segments-membership=" + churnID}, status: 200},
		{name: "evaluate: bad qty", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType,
			body: `{"items": [{"sku": "A", "qty": 0, "price": 1}]}`, status: 400},
		{name: "evaluate: bad membership", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart,
			header: []string{"aep-segments-membership", "%zz"}, status: 400},
		{name: "evaluate: bad explain", method: "POST", path: "/v1/cart/evaluate?explain=maybe", ctype: jsonType, body: vipCart, status: 400},
		{name: "evaluate: too large", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: big, status: 413},
		{name: "evaluate: not JSON", method: "POST", path: "/v1/cart/evaluate", ctype: "text/plain", body: vipCart, status: 415},
		{name: "evaluate: not ready", method: "POST", path: "/v1/cart/evaluate", ctype: jsonType, body: vipCart, status: 503, server: empty},
		{name: "evaluate: GET", method: "GET", path: "/v1/cart/evaluate", status: 405, undeclared: true},
		{name: "blocks", method: "POST", path: "/v1/blocks?explain=true", ctype: jsonType,
			body: `{"placements": ["home.hero", "product.tips"], "visitor_id": "v-17", "view": 3, "segments": ["` + churnID + `"],
			  "cart": {"items": [{"sku": "NW-SCK-MERINO-HK", "qty": 3, "price": 18.00, "categories": ["socks"]}]}}`, status: 200},
		{name: "blocks: unknown placement", method: "POST", path: "/v1/blocks", ctype: jsonType, body: `{"placements": ["nowhere"]}`, status: 400},
		{name: "blocks: too large", method: "POST", path: "/v1/blocks", ctype: jsonType, body: big, status: 413},
		{name: "blocks: not JSON", method: "POST", path: "/v1/blocks", ctype: "text/plain", body: `{}`, status: 415},
		{name: "blocks: not ready", method: "POST", path: "/v1/blocks", ctype: jsonType, body: `{"placements": []}`, status: 503, server: empty},
		{name: "list blocks", method: "GET", path: "/v1/blocks", status: 200},
		{name: "list blocks of a placement", method: "GET", path: "/v1/blocks?placement=home.hero", status: 200},
		{name: "list blocks: unknown placement", method: "GET", path: "/v1/blocks?placement=nowhere", status: 400},
		{name: "list blocks: not ready", method: "GET", path: "/v1/blocks", status: 503, server: empty},
		{name: "audiences", method: "GET", path: "/v1/audiences?q=shop&sort=updated&order=desc", status: 200},
		{name: "audiences: bad sort", method: "GET", path: "/v1/audiences?sort=size", status: 400},
		{name: "audiences: not ready", method: "GET", path: "/v1/audiences", status: 503, server: empty},
		{name: "rules", method: "GET", path: "/v1/rules", status: 200},
		{name: "rules: not ready", method: "GET", path: "/v1/rules", status: 503, server: empty},
		{name: "status", method: "GET", path: "/v1/status", status: 200},
		{name: "status: not ready", method: "GET", path: "/v1/status", status: 200, server: empty},
		{name: "status after a failed reload", method: "GET", path: "/v1/status", status: 200, server: broken},
		{name: "reload", method: "POST", path: "/v1/reload", status: 200},
		{name: "reload: the files are wrong", method: "POST", path: "/v1/reload", status: 422, server: broken},
		{name: "healthz", method: "GET", path: "/healthz", status: 200},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "readyz: not ready", method: "GET", path: "/readyz", status: 503, server: empty},
		{name: "metrics", method: "GET", path: "/metrics", status: 200},
		{name: "graphql", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id status } }"}`, status: 200},
		{name: "graphql: parse error", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id "}`, status: 200},
		{name: "graphql: too many evaluations", method: "POST", path: "/graphql", ctype: jsonType, body: tooMany, status: 400},
		{name: "graphql: not ready", method: "POST", path: "/graphql", ctype: jsonType, body: `{"query": "{ rules { id } }"}`, status: 503, server: empty},
		{name: "graphql schema", method: "GET", path: "/graphql/schema.graphql", status: 200},
		{name: "openapi", method: "GET", path: "/openapi.json", status: 200},
		{name: "unknown path", method: "GET", path: "/v1/nothing", status: 404, undeclared: true},
		{name: "method not allowed", method: "DELETE", path: "/v1/rules", status: 405, undeclared: true},
	}
	seen := map[string]bool{} // "METHOD path status" exercised
	for _, x := range exchanges {
		t.Run(x.name, func(t *testing.T) {
			srv := x.server
			if srv == nil {
				srv = ts
			}
			req, err := http.NewRequest(x.method, srv.URL+x.path, strings.NewReader(x.body))
			if err != nil {
				t.Fatal(err)
			}
			if x.ctype != "" {
				req.Header.Set("Content-Type", x.ctype)
			}
			for i := 0; i+1 < len(x.header); i += 2 {
				req.Header.Add(x.header[i], x.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != x.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, x.status, body)
			}
			if x.path == "/openapi.json" && !bytes.Equal(body, openAPI) {
				t.Errorf("GET /openapi.json does not serve the embedded document")
			}
			if x.undeclared {
				if ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(errSchema, body); !ok {
					t.Errorf("the answer does not match the Error schema: %s\n%s", describe(errs), body)
				}
				return
			}
			op, _, _ := strings.Cut(x.path, "?")
			seen[fmt.Sprintf("%s %s %d", x.method, op, x.status)] = true
			// The validator reads the request again for the successes.
			check, err := http.NewRequest(x.method, srv.URL+x.path, strings.NewReader(x.body))
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
	doc, _ := libopenapi.NewDocument(openAPI)
	model, _ := doc.BuildV3Model()
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

// brokenServer serves a copy of the demo store whose files broke after it
// loaded: its reloads fail with diagnostics, the first rule set stays.
func brokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(demo)); err != nil {
		t.Fatal(err)
	}
	_, ts := start(t, Options{Compile: compileDir(dir)})
	bad := filepath.Join(dir, "rules", "broken.yaml")
	if err := os.WriteFile(bad, []byte("cart_rules:\n  - id: broken\n    name: Broken\n    when: cart.subtotal >\n    action: {type: by_percent, amount: 10}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/v1/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !slices.Contains([]int{422}, resp.StatusCode) {
		t.Fatalf("reload of broken files: status %d, want 422", resp.StatusCode)
	}
	return ts
}
