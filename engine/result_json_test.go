package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// encodingJSON is what the server wrote before AppendJSON: encoding/json
// with HTML escaping off, without the trailing newline.
func encodingJSON(t *testing.T, r *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// TestResultAppendJSON: AppendJSON writes the bytes encoding/json writes,
// for real results (demo and random projects, with and without
// explanations and blocks) and for one with every optional field and
// strings that need escaping.
func TestResultAppendJSON(t *testing.T) {
	demo, carts := demoProject(t)
	r := rand.New(rand.NewPCG(3, 4))
	var placements []string
	for _, pl := range demo.set.Placements {
		placements = append(placements, pl.ID)
	}
	checked := 0
	for _, d := range []diffProject{demo, randomProject(r, 40)} {
		p := mustCompile(t, d.set)
		base := carts
		if d.name != "demo" {
			base = nil
		}
		for k := range 60 {
			c := randomCart(r, d.set, d, base)
			opt := Options{Explain: k%3 == 0, Now: c.Now}
			if d.name == "demo" {
				opt.Placements, opt.VisitorID = placements, "v-1"
			}
			res, err := p.Evaluate(c, opt)
			if err != nil {
				continue
			}
			if got, want := res.AppendJSON(nil), encodingJSON(t, res); !bytes.Equal(got, want) {
				t.Fatalf("%s cart %d:\n got %s\nwant %s", d.name, k, got, want)
			}
			checked++
		}
	}
	if checked < 60 {
		t.Fatalf("only %d results checked", checked)
	}
	odd := &Result{
		AppliedRules: []AppliedRule{{ID: "a\"b", Name: "<VIP> & co", Label: "caf\u00e9\u2028x\x01", Discount: "1.00",
			BudgetClamped: &BudgetClamp{Budget: "5.00", Asked: "2.00", Given: "1.00"}}},
		Items:      []ItemResult{{SKU: "s\\k\tu", Qty: "1", Price: "2.00", RowTotal: "2.00", Discount: "1.00", AppliedRules: nil, FreeShippingQty: "1"}},
		Coupon:     &CouponResult{Code: "X", Reason: "no"},
		Errors:     []RuleError{{Rule: "r", Message: "m\n"}},
		Guardrail:  &GuardrailResult{},
		Membership: &MembershipStatus{Status: "expired", Reason: "\xff"},
	}
	if got, want := odd.AppendJSON(nil), encodingJSON(t, odd); !bytes.Equal(got, want) {
		t.Fatalf("odd result:\n got %s\nwant %s", got, want)
	}
	if got, want := (&Result{}).AppendJSON(nil), encodingJSON(t, &Result{}); !bytes.Equal(got, want) {
		t.Fatalf("zero result:\n got %s\nwant %s", got, want)
	}
}
