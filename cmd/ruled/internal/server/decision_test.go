package server

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// outcome is what the REST API reads from a body: the placement options,
// the segments beside the cart, the cart, or the error it answers.
type outcome struct {
	Placements []string
	VisitorID  string
	View       int
	IDs        []string
	Cart       *engine.Cart
	Err        *engine.InputError
}

func outcomeOf(d *decision, cart *engine.Cart, err error) outcome {
	var o outcome
	if d != nil {
		o = outcome{Placements: d.opt.Placements, VisitorID: d.opt.VisitorID, View: d.opt.View, IDs: d.ids}
	}
	if err != nil {
		o = outcome{}
		if !errors.As(err, &o.Err) {
			panic(err)
		}
		return o
	}
	o.Cart = cart
	return o
}

// evaluateOutcome reads body as POST /v1/cart/evaluate does: parsed once,
// in place, then released and the body's buffer reused, which must change
// nothing of what was read.
func evaluateOutcome(body []byte, def engine.CartDefaults) outcome {
	body = append([]byte{}, body...) // never nil, as readBody's
	d := &decision{}
	err := evaluateBody(body, d)
	var cart *engine.Cart
	if err == nil {
		cart, err = d.decodeCart(def)
	}
	o := outcomeOf(d, cart, allowPlacementFields(d.inRequest(err)))
	d.release()
	scribble(body)
	return o
}

// scribble overwrites a released body, as the next request does, and
// parses another body into the released parse's memory.
func scribble(body []byte) {
	for i := range body {
		body[i] = '#'
	}
	if j, err := engine.ParseJSON([]byte(`{"placements": ["x#x#x#x#x#x#x#x#x#"], "items": [{"sku": "#####"}]}`)); err == nil {
		j.Release()
	}
}

// evaluateOutcomeV1 reads body as POST /v1/cart/evaluate did: split with
// encoding/json, then the rest parsed again by the cart decoder.
func evaluateOutcomeV1(body []byte, def engine.CartDefaults) outcome {
	body = append([]byte{}, body...) // never nil, as readBody's
	d := &decision{}
	fields, rest, err := v1splitCart(body)
	if err == nil {
		d.cart = rest
		err = v1placementOptions(fields, &d.opt)
	}
	var cart *engine.Cart
	if err == nil {
		cart, err = d.decodeCart(def)
	}
	return outcomeOf(d, cart, allowPlacementFields(d.inRequest(err)))
}

// blocksOutcome reads body as POST /v1/blocks does: parsed once.
func blocksOutcome(body []byte, p *engine.Program) outcome {
	body = append([]byte{}, body...)
	j, err := engine.ParseJSON(body)
	var d *decision
	if err == nil {
		d, err = blocksDecision(j.Root(), p)
	}
	var cart *engine.Cart
	if err == nil {
		cart, err = d.decodeCart(p.CartDefaults())
		err = d.inRequest(err)
	}
	o := outcomeOf(d, cart, err)
	j.Release()
	scribble(body)
	return o
}

// blocksOutcomeV1 reads body as POST /v1/blocks did: members with
// encoding/json, then the cart parsed again by the cart decoder.
func blocksOutcomeV1(body []byte, p *engine.Program) outcome {
	d, err := v1blocksDecision(body, p)
	var cart *engine.Cart
	if err == nil {
		cart, err = d.decodeCart(p.CartDefaults())
		err = d.inRequest(err)
	}
	return outcomeOf(d, cart, err)
}

var decimalEqual = cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) })

func demoProgram(t testing.TB) *engine.Program {
	t.Helper()
	b, err := compileDir(demo)()
	if err != nil || b.Program == nil {
		t.Fatalf("compiling the demo: %v %v", err, b)
	}
	return b.Program
}

func TestEvaluateBody(t *testing.T) {
	usd := engine.CartDefaults{Currency: money.Currency{Code: "USD", Digits: 2}}
	tests := []struct {
		name, body string
		want       outcome
	}{
		{"no placement fields", `{ "items" : [] , "website": "ca" }`,
			outcome{Cart: &engine.Cart{Website: "ca", Currency: usd.Currency, Customer: engine.Customer{Group: "guest"}}}},
		{"all three, the rest is the cart", `{"placements": ["a"], "items": [], "visitor_id": "v", "website": "ca", "view": 3}`,
			outcome{Placements: []string{"a"}, VisitorID: "v", View: 3,
				Cart: &engine.Cart{Website: "ca", Currency: usd.Currency, Customer: engine.Customer{Group: "guest"}}}},
		{"null placement fields", `{"placements": null, "visitor_id": null, "view": null}`,
			outcome{Cart: &engine.Cart{Website: "base", Currency: usd.Currency, Customer: engine.Customer{Group: "guest"}}}},
		{"escaped visitor", `{"visitor_id": "v\u00e9\ud800"}`,
			outcome{VisitorID: "vé\ufffd", Cart: &engine.Cart{Website: "base", Currency: usd.Currency, Customer: engine.Customer{Group: "guest"}}}},
		{"duplicate placement field first", `{"coupon": 1, "view": 1, "view": 2}`,
			outcome{Err: &engine.InputError{Field: "view", Message: "duplicate field"}}},
		{"placement errors before the cart's", `{"coupon": 1, "view": "1"}`,
			outcome{Err: &engine.InputError{Field: "view", Message: "want a number, got a string"}}},
		{"cart duplicates still caught", `{"view": 1, "now": 1, "now": 2}`,
			outcome{Err: &engine.InputError{Field: "now", Message: "duplicate field"}}},
		{"odd unknown names", `{"view": 1, "a\"<b": 1}`,
			outcome{Err: &engine.InputError{Field: `["a\"<b"]`, Message: "unknown field (allowed: website, currency, now, customer, coupon_code, segments, items, shipping, payment)"}}},
		{"malformed", `{"view": 1,`,
			outcome{Err: &engine.InputError{Message: "malformed JSON: unexpected end of input at line 1, column 12 (byte offset 11)"}}},
		{"not an object", `[{"view": 1}]`,
			outcome{Err: &engine.InputError{Message: "the body must be a JSON object, got an array"}}},
		{"data after", `{"view": 1} {}`,
			outcome{Err: &engine.InputError{Message: "unexpected data after the JSON object at line 1, column 13 (byte offset 12)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evaluateOutcome([]byte(tt.body), usd)
			if diff := cmp.Diff(tt.want, got, decimalEqual); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(evaluateOutcomeV1([]byte(tt.body), usd), got, decimalEqual); diff != "" {
				t.Errorf("differs from reading the body twice (-v1 +got):\n%s", diff)
			}
		})
	}
}

// restBodies are bodies of both decision APIs: the demo carts with and
// without placement fields, as blocks requests, and the error cases of the
// HTTP tests.
func restBodies(t testing.TB) [][]byte {
	carts, err := filepath.Glob(demo + "/carts/*.json")
	if err != nil || len(carts) == 0 {
		t.Fatalf("demo carts: %v", err)
	}
	var out [][]byte
	for _, p := range carts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data,
			bytes.Replace(data, []byte("{"), []byte(`{"placements": ["home.hero"], "view": 2, "visitor_id": "v",`), 1),
			[]byte(`{"placements": ["home.hero", "cart.promo-strip"], "segments": ["s1"], "visitor_id": "ivan", "cart": `+string(data)+`}`))
	}
	for _, b := range []string{
		`{"view": 1, "view": 2}`, `{"placements": null}`, `{"placements": [], "view": 1, "view": 2}`,
		`{"placements": ["home.hero", 2]}`, `{"placements": "home.hero"}`, `{"placement": ["home.hero"]}`,
		`{"placements": ["home.hero"], "cart": {"items": [{"sku": "A", "qty": 0, "price": 1}]}}`,
		`{"placements": ["home.hero"], "cart": {"coupon": "X"}}`, `{"placements": ["home.hero"], "cart": []}`,
		`{"placements": ["home.hero"], "segments": [1]}`, `{"placements": ["home.hero"], "view": -1}`,
		`{"placements": ["home.hero"], "view": 1.5}`, `{"placements": ["home.hero"], "view": 1e2}`,
		`{"placements": ["home.hero"], "view": 99999999999999999999}`, `{"placements": ["home.hero"], "view": "1"}`,
		`{"placements": ["home.hero"], "visitor_id": 42}`, `{"placements": ["home.hero"], "visitor_id": "` + strings.Repeat("v", 300) + `"}`,
		`{"placements": [` + strings.Repeat(`"home.hero",`, 100) + `"home.hero"]}`, `{"placements": [`,
		`{"placements": []} {}`, `{"placements": ["hero"], "items": []}`, `{"placements": [], "items": [], "placements": []}`,
		`{"placements": ["home.hero"], "view": true}`, `{"placements": ["home.hero"], "items": [{"sku": "A", "qty": -1, "price": 1}]}`,
		`{"placements": ["home.hero"], "website": "base", "website": "ca"}`, `{"placement": []}`, `{"placements": [], "coupon": "X"}`,
		`{"cart": {}}`, `{"cart": null, "placements": ["home.hero"]}`, `{"cart": {"currency": "EUR"}, "placements": []}`,
		`[]`, `"x"`, ``, ` `, `null`, "\xff", `{"placements": ["\ud800"], "visitor_id": "\u0041"}`,
	} {
		out = append(out, []byte(b))
	}
	return out
}

// TestRESTBodiesSameAsV1 holds both decision APIs, which parse each body
// once, to what they answered when they parsed it twice, on every body of
// restBodies and every prefix of one with placements and a cart.
func TestRESTBodiesSameAsV1(t *testing.T) {
	p := demoProgram(t)
	bodies := restBodies(t)
	whole := []byte(`{"placements": ["home.hero"], "view": 2, "cart": {"items": [{"sku": "A", "qty": 1, "price": 1}]}, "visitor_id": "v"}`)
	for i := range whole {
		bodies = append(bodies, whole[:i])
	}
	for _, b := range bodies {
		if diff := cmp.Diff(evaluateOutcomeV1(b, p.CartDefaults()), evaluateOutcome(b, p.CartDefaults()), decimalEqual); diff != "" {
			t.Errorf("POST /v1/cart/evaluate %q (-v1 +got):\n%s", b, diff)
		}
		if diff := cmp.Diff(blocksOutcomeV1(b, p), blocksOutcome(b, p), decimalEqual); diff != "" {
			t.Errorf("POST /v1/blocks %q (-v1 +got):\n%s", b, diff)
		}
	}
}

// FuzzRESTBody: whatever the body, each decision API answers what it
// answered when it parsed the body twice: the same options, segments and
// cart, or the same error.
func FuzzRESTBody(f *testing.F) {
	for _, b := range restBodies(f) {
		f.Add(b)
	}
	p := demoProgram(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if diff := cmp.Diff(evaluateOutcomeV1(body, p.CartDefaults()), evaluateOutcome(body, p.CartDefaults()), decimalEqual); diff != "" {
			t.Errorf("POST /v1/cart/evaluate %q (-v1 +got):\n%s", body, diff)
		}
		if diff := cmp.Diff(blocksOutcomeV1(body, p), blocksOutcome(body, p), decimalEqual); diff != "" {
			t.Errorf("POST /v1/blocks %q (-v1 +got):\n%s", body, diff)
		}
	})
}
