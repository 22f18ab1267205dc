package dsl

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

const everyField = `# Every field of the YAML schema, in the .rules language.
audience a791c66e-df31-4216-bf09-4f07500b5c0f "VIP Shoppers" {
  description "Top 2% of customers"
  origin "Custom upload"
  updated 2026-09-28T06:12:44.5-04:00
}

audience "id with spaces" "Plain"

rule vip-shoes "VIP: 50% off shoes" {
  label "VIP shoe sale"
  disabled
  websites base, "ca store"
  groups general, vip
  active 2026-11-27 .. 2026-11-30T23:59:59-05:00
  priority 10
  coupons SAVE25, 'trail guide'
  when audience("VIP Shoppers") and cart.subtotal >= 100
  discount 50% on items where "shoes" in item.categories
  max qty 2
  step 1
  apply to shipping
  free shipping for the shipment
  stop further rules
}

rule fixed "Fixed" {
  active from 2026-01-01
  discount 5.50 per unit
  no free shipping
}

rule cart "Cart" {
  active until 2026-12-31
  discount 20 per cart
  free shipping for matching items
  on items where item.qty > 1
}

rule b2g1 "Buy two" {
  buy 2 get 1 free
}

rule welcome "Welcome" {
  coupons WELCOME10, generated
  uses per coupon 100
  uses per customer 1
  budget 5000.00 and 100 redemptions
  discount 10%
}

rule pool "Pool" {
  coupon generated
  budget 20 redemptions
  discount 5 per cart
}

rule ship "Free shipping only" {
  free shipping for matching items
}
`

func TestParseRules(t *testing.T) {
	doc, diags := ParseRules("every.rules", []byte(everyField))
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	updated := time.Date(2026, 9, 28, 6, 12, 44, 5e8, time.FixedZone("", -4*3600))
	wantAud := []rules.Audience{
		{ID: "a791c66e-df31-4216-bf09-4f07500b5c0f", Name: "VIP Shoppers", Description: "Top 2% of customers", Origin: "Custom upload", Updated: updated},
		{ID: "id with spaces", Name: "Plain", Origin: rules.DefaultOrigin},
	}
	if diff := cmp.Diff(wantAud, doc.Audiences, modelOpts); diff != "" {
		t.Errorf("audiences (-want +got):\n%s", diff)
	}
	d := func(s string) money.Decimal { return money.MustParse(s) }
	to := time.Date(2026, 11, 30, 23, 59, 59, 0, time.FixedZone("", -5*3600))
	want := []rules.CartRule{{
		ID: "vip-shoes", Name: "VIP: 50% off shoes", Label: "VIP shoe sale", Enabled: false,
		Websites: []string{"base", "ca store"}, CustomerGroups: []string{"general", "vip"},
		From: rules.Bound{Date: rules.Date{Year: 2026, Month: 11, Day: 27}}, To: rules.Bound{Instant: to},
		Priority: 10, StopFurtherRules: true, Coupons: []string{"SAVE25", "trail guide"},
		When: rules.Expr{Text: `audience("VIP Shoppers") and cart.subtotal >= 100`},
		Action: rules.Action{Type: rules.ByPercent, Amount: d("50"), MaxQty: d("2"), Step: d("1"), ApplyToShipping: true,
			FreeShipping: rules.FreeShippingShipment, Items: rules.Expr{Text: `"shoes" in item.categories`}},
	}, {
		ID: "fixed", Name: "Fixed", Enabled: true, From: rules.Bound{Date: rules.Date{Year: 2026, Month: 1, Day: 1}},
		Action: rules.Action{Type: rules.ByFixed, Amount: d("5.50"), FreeShipping: rules.NoFreeShipping},
	}, {
		ID: "cart", Name: "Cart", Enabled: true, To: rules.Bound{Date: rules.Date{Year: 2026, Month: 12, Day: 31}},
		Action: rules.Action{Type: rules.CartFixed, Amount: d("20"), FreeShipping: rules.FreeShippingMatching, Items: rules.Expr{Text: "item.qty > 1"}},
	}, {
		ID: "b2g1", Name: "Buy two", Enabled: true, Action: rules.Action{Type: rules.BuyXGetY, Step: d("2"), Amount: d("1")},
	}, {
		ID: "welcome", Name: "Welcome", Enabled: true, Coupons: []string{"WELCOME10"}, GeneratedCoupons: true,
		UsesPerCoupon: 100, UsesPerCustomer: 1, Budget: rules.Budget{Amount: d("5000.00"), Redemptions: 100},
		Action: rules.Action{Type: rules.ByPercent, Amount: d("10")},
	}, {
		ID: "pool", Name: "Pool", Enabled: true, GeneratedCoupons: true, Budget: rules.Budget{Redemptions: 20},
		Action: rules.Action{Type: rules.CartFixed, Amount: d("5")},
	}, {
		ID: "ship", Name: "Free shipping only", Enabled: true, Action: rules.Action{Type: rules.ByPercent, FreeShipping: rules.FreeShippingMatching},
	}}
	if diff := cmp.Diff(want, doc.CartRules, modelOpts); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	// Positions: of the rule, of each field's value, of the condition.
	r := doc.CartRules[0]
	for field, want := range map[string]string{
		"id": "every.rules:10:6", "name": "every.rules:10:16", "label": "every.rules:11:9",
		"priority": "every.rules:16:12", "when": "every.rules:18:8", "action.items": "every.rules:19:31",
		"action.amount": "every.rules:19:12", "from": "every.rules:15:10", "to": "every.rules:15:24",
	} {
		if got := r.FieldPos(field).String(); got != want {
			t.Errorf("position of %s = %s, want %s", field, got, want)
		}
	}
	if got := r.Pos.String(); got != "every.rules:10:1" {
		t.Errorf("rule position = %s", got)
	}
	if r.When.Pos.String() != "every.rules:18:8" || r.When.Offsets != nil {
		t.Errorf("when = %+v", r.When)
	}
	if got := doc.RuleComments[0]; got != "" {
		t.Errorf("comments of the first rule = %q", got)
	}
	if got := doc.AudienceComments[0]; got != "# Every field of the YAML schema, in the .rules language." {
		t.Errorf("comments of the first audience = %q", got)
	}
}

// TestConditionSpan checks where conditions end and that every byte of
// their text maps back to its place in the file.
func TestConditionSpan(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"one line", "  when a.b == 1  # comment\n", "a.b == 1"},
		{"trailing and", "  when a.b == 1 and\n    c.d == 2\n", "a.b == 1 and\n    c.d == 2"},
		{"leading or", "  when a.b == 1\n    or c.d == 2\n    and e.f\n", "a.b == 1\n    or c.d == 2\n    and e.f"},
		{"leading and after a comment line", "  when a.b == 1\n    # why\n\n    and c.d == 2\n", "a.b == 1\n    # why\n\n    and c.d == 2"},
		{"open parenthesis", "  when any(items,\n    item.qty > 1)\n  priority 1\n", "any(items,\n    item.qty > 1)"},
		{"open bracket", "  when x.y in [\"a\",\n  \"b\"]\n", "x.y in [\"a\",\n  \"b\"]"},
		{"brace ends it", "  when a.b == 1 }\n", "a.b == 1"},
		{"unclosed parenthesis stops at the brace", "  when any(items, x\n  priority 1\n", "any(items, x\n  priority 1"},
		{"strings hide parentheses", "  when x.y == \"(\"\n  priority 1\n", "x.y == \"(\""},
		{"next setting", "  when a.b == 1\n  discount 10%\n", "a.b == 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "rule r \"R\" {\n" + tc.body
			if !strings.HasSuffix(tc.body, "}\n") {
				src += "}\n"
			}
			doc, _ := ParseRules("c.rules", []byte(src))
			if len(doc.CartRules) != 1 {
				t.Fatalf("rules: %+v", doc.CartRules)
			}
			e := doc.CartRules[0].When
			if e.Text != tc.want {
				t.Fatalf("text = %q, want %q", e.Text, tc.want)
			}
			lines := strings.Split(src, "\n")
			for i := range len(e.Text) {
				p := e.PosAt(i)
				line := lines[p.Line-1]
				if p.Col < 1 || p.Col > len(line)+1 {
					t.Fatalf("byte %d at %s: outside line %q", i, p, line)
				}
				if c := e.Text[i]; c != '\n' && line[p.Col-1] != c {
					t.Fatalf("byte %d (%q) maps to %s, which holds %q", i, c, p, line[p.Col-1])
				}
			}
		})
	}
}

func TestParseRulesDiagnostics(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"misspelled setting", "rule a \"A\" {\n  priorty 10\n  discount 10%\n}\n",
			`x.rules:2:3: unknown setting "priorty" in a rule; did you mean "priority"? settings are label, disabled, websites, groups, active, priority, coupon, uses per coupon, uses per customer, budget, when, discount, buy ... get ... free, on items where, max qty, step, apply to shipping, free shipping, no free shipping, stop further rules`},
		{"misspelled declaration", "rul a \"A\" {\n}\n",
			`x.rules:1:1: unknown declaration "rul"; did you mean "rule"? a .rules file declares rules, audiences, placements and blocks, e.g. rule vip-shoes "VIP: 50% off shoes" { ... }`},
		{"block", "block hero \"Hero\" in home.hero {\n  when audience(\"X\")\n  discount 10%\n}\n",
			`x.rules:3:3: unknown setting "discount" in a block; settings are disabled, websites, groups, active, priority, when, related rules, content, content file, data`},
		{"duplicate", "rule a \"A\" {\n  priority 1\n  priority 2\n  discount 10%\n}\n",
			`x.rules:3:3: priority is already set at x.rules:2:3: write it once`},
		{"values", "rule a \"A\" {\n  priority ten\n  discount 1e3%\n  active 2026-13-01 .. 2026-12-01\n}\n",
			`x.rules:2:12: priority "ten" is not a whole number: want digits such as 10
x.rules:3:12: discount "1e3" is not a number: want digits with an optional fraction, such as 10 or 19.99
x.rules:4:10: "2026-13-01" is not a date: want a day such as 2026-11-20 or a time such as 2026-11-27T06:00:00-05:00`},
		{"unterminated string", "rule a \"A {\n  discount 10%\n}\n",
			`x.rules:1:8: string is not closed: add the closing quote on the same line`},
		{"missing brace", "rule a \"A\" {\n  discount 10%\n\nrule b \"B\" {\n  discount 5%\n}\n",
			`x.rules:4:12: unexpected "{": rule a (line 1) is not closed; add "}" on the line before this declaration`},
		{"extra brace", "rule a \"A\" {\n  discount 10%\n}\n}\n",
			`x.rules:4:1: unexpected "}": there is no open "{" for it to close`},
		{"end of file", "rule a \"A\" {\n  discount 10%\n",
			`x.rules:2:16: the file ends inside rule a (line 1): add "}" to close it`},
		{"character", "rule a \"A\" {\n  discount 10% @\n}\n",
			`x.rules:2:16: unexpected character "@": outside quotes, a .rules file uses words, numbers, dates, commas and the braces of a declaration`},
		{"condition outside", "when cart.subtotal > 5\n",
			`x.rules:1:1: unexpected "when" outside a declaration: conditions go between the braces of a rule`},
		{"where and per", "rule a \"A\" {\n  where x\n  discount 5 per uint\n}\n",
			`x.rules:2:3: "where" chooses the discounted items: write on items where "shoes" in item.categories; a condition on the cart starts with when
x.rules:3:18: unexpected "uint" in discount: write discount 10%, discount 5 per unit or discount 20 per cart, optionally followed by on items where ...`},
		{"empty condition", "rule a \"A\" {\n  when\n  discount 5%\n}\n",
			`x.rules:2:3: "when" needs a condition after it on the same line, e.g. when cart.subtotal >= 100`},
		{"no discount", "rule a \"A\" {\n  priority 1\n}\n",
			`x.rules:1:1: rule a gives nothing: add a line such as discount 10%, buy 2 get 1 free or free shipping for the shipment`},
		{"words", "rule a \"A\" {\n  discount 10% on item where x\n  free shipping for matching itms\n}\n",
			`x.rules:2:19: unexpected "item" in discount; did you mean "items"? write on items where "shoes" in item.categories
x.rules:3:30: unexpected "itms" in free shipping; did you mean "items"? write free shipping for matching items, or free shipping for the shipment`},
		{"buy and step", "rule a \"A\" {\n  step 3\n  buy 2 get 1 free\n}\n",
			`x.rules:3:3: step (buy X get Y free sets it to X) is already set at x.rules:2:3: write it once`},
		{"name", "rule a A {\n  discount 10%\n}\n",
			`x.rules:1:8: the rule's name goes in quotes after its id: write rule ID "Name" { ... }`},
		{"lists and text", "rule a \"A\" {\n  groups general wholesale\n  coupons A,\n  label hello\n  discount 1%\n}\n",
			`x.rules:2:18: unexpected "wholesale" in groups: separate them with commas
x.rules:3:13: coupons needs a coupon code after the comma
x.rules:4:9: label takes text in quotes: label "..."`},
		{"audience", "audience 123 \"X\" {\n  updated yesterday\n  color red\n}\n",
			`x.rules:2:11: updated "yesterday" is not a time: want one such as 2026-09-28T06:12:44Z
x.rules:3:3: unknown setting "color" in an audience; settings are description, origin, updated, removed`},
		{"audience settings", "audience a \"A\" {\n  origin \"X\"\n  origin \"Y\"\n  when x\n}\n",
			`x.rules:3:3: origin is already set at x.rules:2:3: write it once
x.rules:4:3: unexpected "when" in an audience: it takes no condition; settings are description, origin, updated, removed`},
		{"escape", "rule a \"A\\q\" {\n  discount 1%\n}\n",
			`x.rules:1:8: invalid escape in "A\q": write \" for a quote and \\ for a backslash`},
		{"limits", "rule a \"A\" {\n  uses per order 3\n  uses per customer x\n  budget 10 redemption\n  discount 1%\n}\n",
			`x.rules:2:12: unexpected "order" in uses: write uses per coupon 100 or uses per customer 1
x.rules:3:21: uses_per_customer "x" is not a whole number: want digits such as 10
x.rules:4:13: unexpected "redemption" in budget; did you mean "redemptions"? write budget 5000, budget 100 redemptions or budget 5000 and 100 redemptions`},
		{"budget redemptions", "rule a \"A\" {\n  budget 1.5 redemptions\n  discount 1%\n}\n",
			`x.rules:2:10: budget redemptions 1.5 is not a whole number: want digits such as 100`},
		{"invalid utf-8", "rule a \"\xff\" {}\n", `x.rules:1:9: invalid UTF-8: .rules files must be UTF-8 text`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := ParseRules("x.rules", []byte(tc.src))
			diags.Sort()
			if got := diags.Error(); got != tc.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tc.want)
			}
			for _, d := range diags {
				if d.Code == "" || !d.Pos.IsValid() {
					t.Errorf("diagnostic without code or position: %+v", d)
				}
			}
		})
	}
}

func TestPrintRules(t *testing.T) {
	at := time.Date(2026, 11, 27, 6, 0, 0, 123456789, time.FixedZone("", -5*3600))
	doc := &Doc{
		Comment:   "# head",
		Audiences: []rules.Audience{{ID: "when", Name: `Quote " and \ and é`, Origin: "X", Updated: at}},
		CartRules: []rules.CartRule{{
			ID: "a-", Name: "Line\nbreak", Label: "#hash", Enabled: true, Websites: []string{"base", "two words", "2026-11-27T06"},
			CustomerGroups: []string{"NOT LOGGED IN"}, From: rules.Bound{Instant: at}, Priority: -1,
			Coupons: []string{"where"}, GeneratedCoupons: true, UsesPerCoupon: 3, UsesPerCustomer: 1,
			Budget: rules.Budget{Amount: money.MustParse("99.95")}, When: rules.Expr{Text: "a.b ==\n 1 # c\n and c.d"},
			Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("-5"), MaxQty: money.MustParse("0.5"), Items: rules.Expr{Text: "x y"}},
		}},
		AudienceComments: []string{"# one\n#two"},
		RuleComments:     []string{"not marked"},
		Foot:             "# foot",
	}
	out, err := PrintRules(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ParseRules("p.rules", out)
	for _, d := range diags {
		if d.Code != "missing-field" {
			t.Errorf("reading back: %v\n%s", d, out)
		}
	}
	if diff := cmp.Diff(doc.Audiences, back.Audiences, modelOpts); diff != "" {
		t.Errorf("audiences (-want +got):\n%s\n%s", diff, out)
	}
	if diff := cmp.Diff(doc.CartRules, back.CartRules, modelOpts); diff != "" {
		t.Errorf("rules (-want +got):\n%s\n%s", diff, out)
	}
	if back.Comment != "# head" || back.Foot != "# foot" || back.AudienceComments[0] != "# one\n#two" || back.RuleComments[0] != "# not marked" {
		t.Errorf("comments: %q %q %q %q", back.Comment, back.Foot, back.AudienceComments, back.RuleComments)
	}
	if _, err := PrintRules(&Doc{CartRules: []rules.CartRule{{ID: "x", Action: rules.Action{Type: "by_percnt"}}}}); err == nil {
		t.Error("PrintRules with an unknown action type: no error")
	}
	open := rules.CartRule{ID: "x", Name: "X", Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("1"), MaxQty: money.MustParse("2"), Items: rules.Expr{Text: "x ("}}}
	if _, err := PrintRules(&Doc{CartRules: []rules.CartRule{open}}); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("PrintRules with an open parenthesis: %v", err)
	}
}

func TestParseRulesBOMAndCRLF(t *testing.T) {
	src := "\xef\xbb\xbfrule a \"A\" {\r\n  when a.b == 1\r\n    and c.d\r\n  discount 10%\r\n}\r\n"
	doc, diags := ParseRules("w.rules", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	r := doc.CartRules[0]
	if r.Pos != (diag.Pos{File: "w.rules", Line: 1, Col: 1}) || r.When.Pos.String() != "w.rules:2:8" {
		t.Errorf("positions: rule %s, when %s", r.Pos, r.When.Pos)
	}
	if doc.Lines[1] != "  when a.b == 1" {
		t.Errorf("lines: %q", doc.Lines)
	}
	out, _ := FormatRules("w.rules", []byte(src))
	if want := "rule a \"A\" {\n  when a.b == 1 and c.d\n  discount 10%\n}\n"; string(out) != want {
		t.Errorf("FormatRules:\n%s\nwant:\n%s", out, want)
	}
}
