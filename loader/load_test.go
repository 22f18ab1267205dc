package loader

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	_ "time/tzdata" // time zone checks must not depend on the test machine

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// cmpDecimal compares amounts as numbers (1.50 equals 1.5); money.Decimal's
// fields are unexported.
var cmpDecimal = cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) })

// demo is a valid project: config, audiences, rule files in nested
// directories, and files Load must skip.
var demo = fstest.MapFS{
	"ruled.yaml": {Data: []byte("timezone: Europe/Paris\ncurrency: EUR\n")},
	"audiences.yaml": {Data: []byte(`audiences:
  - id: 4f0c9a8e-0000-4000-8000-000000000001
    name: VIP Shoppers
    description: spent over 1000 last year
    updated: 2026-01-15T10:30:00Z
  - id: 4f0c9a8e-0000-4000-8000-000000000002
    name: Newsletter
    origin: Braze
`)},
	"promos/black-friday.yaml": {Data: []byte(`# Black Friday
cart_rules:
  - id: bf-vip-20
    name: Black Friday VIP
    label: VIP 20% off
    enabled: true
    websites: [base, fr]
    customer_groups: general
    from: 2026-11-27
    to: 2026-11-30T23:59:59+01:00
    priority: 10
    stop_further_rules: true
    coupon: [BF20, 2026]
    when: |
      audience("VIP Shoppers")
        and cart.subtotal >= 100
    action:
      type: by_percent
      amount: "20"
      max_qty: 5
      step: 1
      apply_to_shipping: false
      free_shipping: matching_items
      items: item.category == "shoes"
`)},
	"promos/2026/summer/free-ship.yml": {Data: []byte(`cart_rules:
  - id: summer-ship
    name: Summer free shipping
    enabled: false
    action: {type: cart_fixed, amount: 0.00, free_shipping: shipment}
placements: [{id: home.hero, name: Home hero, rotation: random}]
`)},
	"promos/empty.yaml":             {Data: nil},
	"promos/black-friday.test.yaml": {Data: []byte("cases: [not, a, rule, file]\n")},
	"promos/black-friday.yaml~":     {Data: []byte("cart_rules: {broken\n")},
	".git/config.yaml":              {Data: []byte("cart_rules: {broken\n")},
	"expected.golden.json":          {Data: []byte("{}")},
	"README.md":                     {Data: []byte("# rules\n")},
}

func TestLoadDemo(t *testing.T) {
	set, diags := LoadFS(demo, "demo")
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	if want := []string{"audiences.yaml", "promos/2026/summer/free-ship.yml", "promos/black-friday.yaml", "promos/empty.yaml", "ruled.yaml"}; !cmp.Equal(set.Files, want) {
		t.Errorf("Files:\n%s", cmp.Diff(want, set.Files))
	}
	for _, f := range set.Files {
		if _, ok := set.Sources["demo/"+f]; !ok {
			t.Errorf("no Sources for demo/%s", f)
		}
	}
	pos := func(file string, line, col int) diag.Pos { return diag.Pos{File: "demo/" + file, Line: line, Col: col} }

	wantConfig := rules.Config{Timezone: "Europe/Paris", Currency: "EUR", Fields: map[string]diag.Pos{
		"timezone": pos("ruled.yaml", 1, 11), "currency": pos("ruled.yaml", 2, 11),
	}}
	if diff := cmp.Diff(wantConfig, set.Config); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}

	const aud = "audiences.yaml"
	wantAudiences := []rules.Audience{{
		ID: "4f0c9a8e-0000-4000-8000-000000000001", Name: "VIP Shoppers", Description: "spent over 1000 last year",
		Origin: rules.DefaultOrigin, Updated: time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC),
		Pos: pos(aud, 2, 5),
		Fields: map[string]diag.Pos{
			"id": pos(aud, 2, 9), "name": pos(aud, 3, 11), "description": pos(aud, 4, 18), "updated": pos(aud, 5, 14),
		},
	}, {
		ID: "4f0c9a8e-0000-4000-8000-000000000002", Name: "Newsletter", Origin: "Braze",
		Pos:    pos(aud, 6, 5),
		Fields: map[string]diag.Pos{"id": pos(aud, 6, 9), "name": pos(aud, 7, 11), "origin": pos(aud, 8, 13)},
	}}
	if diff := cmp.Diff(wantAudiences, set.Audiences); diff != "" {
		t.Errorf("Audiences (-want +got):\n%s", diff)
	}

	if len(set.CartRules) != 2 {
		t.Fatalf("got %d cart rules, want 2", len(set.CartRules))
	}
	if r := set.CartRules[0]; r.ID != "summer-ship" || r.Enabled || r.Action.FreeShipping != rules.FreeShippingShipment {
		t.Errorf("summer-ship read as %+v", r)
	}

	const bf = "promos/black-friday.yaml"
	when := "audience(\"VIP Shoppers\")\n  and cart.subtotal >= 100\n"
	wantRule := rules.CartRule{
		ID: "bf-vip-20", Name: "Black Friday VIP", Label: "VIP 20% off", Enabled: true,
		Websites: []string{"base", "fr"}, CustomerGroups: []string{"general"},
		From:     rules.Bound{Date: rules.Date{Year: 2026, Month: time.November, Day: 27}},
		To:       rules.Bound{Instant: time.Date(2026, 11, 30, 22, 59, 59, 0, time.UTC)},
		Priority: 10, StopFurtherRules: true, Coupons: []string{"BF20", "2026"},
		When: rules.Expr{Text: when, Pos: pos(bf, 15, 7), Offsets: lineOffsets(when, pos(bf, 15, 7))},
		Action: rules.Action{
			Type: rules.ByPercent, Amount: money.MustParse("20"), MaxQty: money.MustParse("5"), Step: money.One,
			FreeShipping: rules.FreeShippingMatching,
			Items:        rules.Expr{Text: `item.category == "shoes"`, Pos: pos(bf, 24, 14)},
		},
		Pos: pos(bf, 3, 5),
		Fields: map[string]diag.Pos{
			"id": pos(bf, 3, 9), "name": pos(bf, 4, 11), "label": pos(bf, 5, 12), "enabled": pos(bf, 6, 14),
			"websites": pos(bf, 7, 15), "customer_groups": pos(bf, 8, 22), "from": pos(bf, 9, 11), "to": pos(bf, 10, 9),
			"priority": pos(bf, 11, 15), "stop_further_rules": pos(bf, 12, 25), "coupon": pos(bf, 13, 13),
			"when": pos(bf, 14, 11), "action": pos(bf, 18, 7),
			"action.type": pos(bf, 18, 13), "action.amount": pos(bf, 19, 15), "action.max_qty": pos(bf, 20, 16),
			"action.step": pos(bf, 21, 13), "action.apply_to_shipping": pos(bf, 22, 26),
			"action.free_shipping": pos(bf, 23, 22), "action.items": pos(bf, 24, 14),
		},
	}
	if diff := cmp.Diff(wantRule, set.CartRules[1], cmpDecimal); diff != "" {
		t.Errorf("black friday rule (-want +got):\n%s", diff)
	}
}

// lineOffsets is the position of every byte of text written as a literal
// block from start: each line at start's column, every line break at the end
// of its line.
func lineOffsets(text string, start diag.Pos) []diag.Pos {
	var out []diag.Pos
	p := start
	for _, line := range strings.SplitAfter(text, "\n") {
		for _, r := range line {
			for range len(string(r)) {
				out = append(out, p)
			}
			p.Col++
		}
		p.Line, p.Col = p.Line+1, start.Col
	}
	return out
}

// TestSharedValues checks YAML's ways of sharing text: merge keys, aliases
// and several documents in one file.
func TestSharedValues(t *testing.T) {
	src := `cart_rules:
  - &base
    id: a
    name: Shared
    websites: &sites [base, fr]
    when: &vip audience("VIP")
    action: {type: by_percent, amount: 10}
  - <<: *base
    id: b
    websites: *sites
---
cart_rules:
  - {<<: *base, id: c, when: *vip}
`
	set, diags := LoadFS(files("rules.yaml", src), "p")
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	var got []string
	for _, r := range set.CartRules {
		got = append(got, fmt.Sprintf("%s %s %v %s@%s %s@%s", r.ID, r.Name, r.Websites, r.When.Text, r.When.Pos, r.Action.Amount, r.FieldPos("action.amount")))
	}
	want := []string{
		`a Shared [base fr] audience("VIP")@p/rules.yaml:6:16 10@p/rules.yaml:7:40`,
		`b Shared [base fr] audience("VIP")@p/rules.yaml:6:16 10@p/rules.yaml:7:40`,
		`c Shared [base fr] audience("VIP")@p/rules.yaml:6:16 10@p/rules.yaml:7:40`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

// TestLargeFilesWithinBudget checks that no file under the size limit runs
// out of the decoding budget without aliases, however dense.
func TestLargeFilesWithinBudget(t *testing.T) {
	n := (maxFileSize - 200) / 2
	for name, extra := range map[string]string{
		"dense list":     "    websites: [" + strings.Repeat("a,", n-1) + "a]\n",
		"long condition": "    when: " + strings.Repeat("x", maxFileSize-200) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			src := rule(extra)
			if len(src) > maxFileSize {
				t.Fatalf("test file is %d bytes, over the limit", len(src))
			}
			set, diags := LoadFS(files("rules.yaml", src), "p")
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%.500v", diags)
			}
			if len(set.CartRules) != 1 {
				t.Fatalf("got %d rules, want 1", len(set.CartRules))
			}
		})
	}
}

func TestWebsiteCurrencies(t *testing.T) {
	fsys := fstest.MapFS{"ruled.yaml": {Data: []byte("currency: USD\nwebsites:\n  ca:\n    currency: CAD\n  mx: {curency: MXN}\n")}}
	set, diags := LoadFS(fsys, "p")
	if got := set.Config.WebsiteCurrencies["ca"]; got != "CAD" {
		t.Errorf("ca currency = %q", got)
	}
	want := `p/ruled.yaml:5:8: unknown key "curency" in website; did you mean "currency"? allowed: currency`
	if diags.Error() != want {
		t.Errorf("diagnostics:\n%s\nwant\n%s", diags.Error(), want)
	}
}
