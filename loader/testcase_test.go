package loader

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

var caseOpts = cmp.Options{
	cmpopts.IgnoreUnexported(TestCase{}),
	cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

func tcPos(line, col int) diag.Pos { return diag.Pos{File: "t.test.yaml", Line: line, Col: col} }

func isTrue() *bool { b := true; return &b }

const allowedCaseKeys = "allowed: name, now, segments, membership, cart, placements, visitor_id, view, expect"

// testFiles are test files with what they hold. Diagnostics are compared
// whole: they are the contract with the people who write the files.
var testFiles = []struct {
	name  string
	src   string
	cases []*TestCase
	diags string // diag.List.Error()
}{
	{
		name: "one case at the top",
		src: `name: vip
now: 2026-11-27T10:00:00-05:00
segments: [s1, " s2 "]
cart: {items: [{sku: A, qty: 1, price: 9.90}]}
expect:
  applied_rules: [r1, r2]
  not_applied: r3
  totals: {grand_total: 90.00, discount: "10"}
  items:
    A: {discount: "1.00"}
  free_shipping: true
  coupon: {applied: true}
`,
		cases: []*TestCase{{
			Name: "vip", Pos: tcPos(1, 1),
			Now:      time.Date(2026, 11, 27, 10, 0, 0, 0, time.FixedZone("", -5*3600)),
			Segments: []string{"s1", "s2"},
			Cart:     []byte(`{"items":[{"sku":"A","qty":1,"price":9.90}]}`),
			Expect: Expect{
				AppliedRules: []Ref{{"r1", tcPos(6, 19)}, {"r2", tcPos(6, 23)}}, HasAppliedRules: true,
				NotApplied: []Ref{{"r3", tcPos(7, 16)}},
				Totals: []Amount{
					{Field: "grand_total", Value: money.MustParse("90"), Text: "90.00", Pos: tcPos(8, 25)},
					{Field: "discount", Value: money.MustParse("10"), Text: "10", Pos: tcPos(8, 42)},
				},
				Items:         []ItemExpect{{SKU: "A", Pos: tcPos(10, 5), Discount: &Amount{Field: "discount", Value: money.MustParse("1"), Text: "1.00", Pos: tcPos(10, 19)}}},
				FreeShipping:  isTrue(),
				CouponApplied: isTrue(),
			},
			Fields: map[string]diag.Pos{
				"name": tcPos(1, 7), "now": tcPos(2, 6), "segments": tcPos(3, 11), "cart": tcPos(4, 7), "expect": tcPos(6, 3),
				"expect.applied_rules": tcPos(6, 18), "expect.not_applied": tcPos(7, 16), "expect.totals": tcPos(8, 11),
				"expect.items": tcPos(10, 5), "expect.free_shipping": tcPos(11, 18), "expect.coupon": tcPos(12, 11),
			},
		}},
	},
	{
		name: "cases list, membership, empty applied_rules",
		src: `cases:
  - name: a
    membership: "x%2Cy"
    cart: {}
    expect: {applied_rules: [], not_applied: ~}
  - name: b
    cart: {items: []}
`,
		cases: []*TestCase{
			{
				Name: "a", Pos: tcPos(2, 5), Membership: "x%2Cy", Cart: []byte(`{}`),
				Expect: Expect{AppliedRules: []Ref{}, HasAppliedRules: true},
				Fields: map[string]diag.Pos{"name": tcPos(2, 11), "membership": tcPos(3, 17), "cart": tcPos(4, 11), "expect": tcPos(5, 13), "expect.applied_rules": tcPos(5, 29)},
			},
			{Name: "b", Pos: tcPos(6, 5), Cart: []byte(`{"items":[]}`), Fields: map[string]diag.Pos{"name": tcPos(6, 11), "cart": tcPos(7, 11)}},
		},
	},
	{
		name: "unknown keys with suggestions",
		src: `cases:
  - name: a
    expct: {}
    cart: {}
  - name: b
    cart: {}
    expect: {applied: [x], totals: {grandtotal: 1}, items: {A: {discont: 1}}, coupon: {aplied: true}}
`,
		diags: lines(
			`t.test.yaml:3:5: unknown key "expct" in test case; did you mean "expect"? `+allowedCaseKeys,
			`t.test.yaml:7:14: unknown key "applied" in expect; allowed: applied_rules, not_applied, totals, items, free_shipping, coupon, blocks`,
			`t.test.yaml:7:37: unknown key "grandtotal" in expect.totals; did you mean "grand_total"? allowed: subtotal, discount, shipping, shipping_discount, grand_total`,
			`t.test.yaml:7:65: unknown key "discont" in item expectation; did you mean "discount"? allowed: discount`,
			`t.test.yaml:7:88: unknown key "aplied" in expect.coupon; did you mean "applied"? allowed: applied`,
		),
	},
	{
		name: "missing, duplicate and conflicting fields",
		src: `cases:
  - name: a
    cart: {}
  - name: a
    segments: [s]
    membership: s
    cart: {}
  - now: 2026-11-27T10:00:00Z
  - name: " "
    cart: {}
`,
		diags: lines(
			`t.test.yaml:4:11: duplicate test case name "a": first used at t.test.yaml:2:11; the golden file keys results by name`,
			`t.test.yaml:6:17: test case has both segments and membership: write the ids under one of them`,
			`t.test.yaml:8:5: test case has no cart: write the cart JSON contract as YAML under cart:, or placements: to choose blocks for an empty cart`,
			`t.test.yaml:8:5: test case has no name: the golden file keys each case's result by its name`,
			`t.test.yaml:9:11: test case name is empty`,
		),
	},
	{
		name: "placements and expected blocks",
		src: `cases:
  - name: home page, no cart
    now: 2026-11-27T10:00:00Z
    placements: [home.hero, " cart.strip "]
    visitor_id: v-42
    view: 7
    expect:
      blocks:
        home.hero: [bf-hero]
        cart.strip: []
  - name: with a cart
    cart: {}
    placements: home.hero
`,
		cases: []*TestCase{
			{
				Name: "home page, no cart", Pos: tcPos(2, 5), Now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
				Placements: []Ref{{"home.hero", tcPos(4, 18)}, {"cart.strip", tcPos(4, 29)}}, VisitorID: "v-42", View: 7,
				Expect: Expect{Blocks: []BlockExpect{
					{Placement: "home.hero", Pos: tcPos(9, 9), IDs: []Ref{{"bf-hero", tcPos(9, 21)}}},
					{Placement: "cart.strip", Pos: tcPos(10, 9), IDs: []Ref{}},
				}},
				Fields: map[string]diag.Pos{"name": tcPos(2, 11), "now": tcPos(3, 10), "placements": tcPos(4, 17),
					"visitor_id": tcPos(5, 17), "view": tcPos(6, 11), "expect": tcPos(8, 7), "expect.blocks": tcPos(9, 9)},
			},
			{
				Name: "with a cart", Pos: tcPos(11, 5), Cart: []byte(`{}`), Placements: []Ref{{"home.hero", tcPos(13, 17)}},
				Fields: map[string]diag.Pos{"name": tcPos(11, 11), "cart": tcPos(12, 11), "placements": tcPos(13, 17)},
			},
		},
	},
	{
		name: "placement problems",
		src: `cases:
  - name: a
    placements: [home.hero, cart.strip, home.hero]
    view: -1
    expect:
      blocks:
        home.hro: [x]
        cart.strip: x
  - name: b
    cart: {}
    visitor_id: v-1
    view: [1]
    expect: {blocks: [home.hero]}
`,
		diags: lines(
			`t.test.yaml:3:41: placement "home.hero" is listed twice: first at t.test.yaml:3:18`,
			`t.test.yaml:4:11: view -1 is negative: the storefront's view counter starts at 0`,
			`t.test.yaml:7:9: expect.blocks names placement "home.hro", which the case does not ask for: add it to placements; did you mean "home.hero"?`,
			`t.test.yaml:8:21: expect.blocks.cart.strip is the string "x": want a list of block ids ([] for none)`,
			`t.test.yaml:11:17: warning: visitor_id is only for choosing blocks: add placements, or remove it`,
			`t.test.yaml:12:11: view is a list: want a whole number`,
			`t.test.yaml:12:11: warning: view is only for choosing blocks: add placements, or remove it`,
			`t.test.yaml:13:22: expect.blocks is a list: want a mapping from placement id to the ids of the blocks it shows`,
		),
	},
	{
		name: "wrong types",
		src: `cases:
  - name: [a]
    now: tomorrow
    segments: {a: b}
    cart: [1]
    expect:
      applied_rules: [[r]]
      not_applied: ["", x]
      totals: {grand_total: 1e3, discount: ten}
      items: [A]
      free_shipping: yes
      coupon: {applied: 1}
`,
		diags: lines(
			`t.test.yaml:2:11: name is a list: want a string`,
			`t.test.yaml:3:10: now "tomorrow" is not an RFC 3339 time: want one such as 2026-01-15T10:30:00Z`,
			`t.test.yaml:4:15: segments is a mapping: want a list of strings`,
			`t.test.yaml:5:11: cart is a list: want a mapping: the cart JSON contract written as YAML`,
			`t.test.yaml:7:23: expect.applied_rules item is a list: want a string`,
			`t.test.yaml:8:21: expect.not_applied item is empty`,
			`t.test.yaml:9:29: expect.totals.grand_total "1e3" is not a plain decimal number: want digits with an optional fraction, such as 10 or 19.99`,
			`t.test.yaml:9:44: expect.totals.discount is the string "ten": want a number`,
			`t.test.yaml:10:14: expect.items is a list: want a mapping from SKU to what the line gets`,
			`t.test.yaml:11:22: expect.free_shipping is the string "yes": want true or false`,
			`t.test.yaml:12:25: expect.coupon.applied is the number 1: want true or false`,
		),
	},
	{
		name: "file shapes",
		src: `- name: a
  cart: {}
---
cases: {name: a}
name: x
---
cases:
  - just a string
`,
		diags: lines(
			`t.test.yaml:1:1: the file is a list: want one test case (a mapping with name and cart) or a mapping with cases: a list of test cases`,
			`t.test.yaml:4:8: cases is a mapping: want a list of test cases`,
			`t.test.yaml:5:1: unknown key "name" in test file; allowed: cases`,
			`t.test.yaml:8:5: test case is the string "just a string": want a mapping`,
		),
	},
	{
		name:  "no cases",
		src:   "# nothing yet\ncases: []\n",
		diags: `t.test.yaml:1:1: test file holds no test case: write one case (name, now, cart, expect) or cases: a list of them`,
	},
	{
		name:  "syntax error",
		src:   "name: a\ncart: {items: [\n",
		diags: `t.test.yaml:2:1: syntax error: did not find expected node content`,
	},
	{
		name: "cart keys and merges",
		src: `cases:
  - name: a
    cart: &base
      website: base
      website: ca
      [1]: x
      items: &items [{sku: A, qty: 1, price: 1}]
  - name: loop
    cart: &loop
      <<: *loop
`,
		diags: lines(
			`t.test.yaml:5:7: duplicate key "website" in cart: first written at t.test.yaml:4:7`,
			`t.test.yaml:6:7: key in cart is a list: want a name`,
			`t.test.yaml:10:11: merge key includes a mapping that includes it: remove the cycle`,
		),
	},
}

func TestParseTests(t *testing.T) {
	for _, tt := range testFiles {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := ParseTests("t.test.yaml", []byte(tt.src))
			if got := diags.Error(); got != tt.diags {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.diags)
			}
			if f.Name != "t.test.yaml" || f.Golden != "t.golden.json" {
				t.Errorf("file %q, golden %q", f.Name, f.Golden)
			}
			if tt.diags != "" {
				return
			}
			if diff := cmp.Diff(tt.cases, f.Cases, caseOpts); diff != "" {
				t.Errorf("cases (-want +got):\n%s", diff)
			}
		})
	}
}

// The cart is the JSON contract: numbers keep their text (1e3 too: the cart decoder rejects it
// at its place), YAML's other
// scalars become what JSON has, merges and aliases are expanded, and every
// value keeps its position for the cart decoder's errors.
func TestTestCart(t *testing.T) {
	src := `name: a
cart:
  now: 2026-11-27T10:00:00Z
  coupon_code: 2026
  customer: &c {id: "42", group: null}
  items:
    - &sock {sku: S, qty: 1, price: 19.990, weight: 1e3, categories: [a, ~]}
    - <<: *sock
      qty: 0x10
      attributes: {"a.b": yes, on: true, size: -0.5, "": x}
  shipping: {amount: .5, country: US}
`
	f, diags := ParseTests("t.test.yaml", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	c := f.Cases[0]
	want := `{"now":"2026-11-27T10:00:00Z","coupon_code":2026,"customer":{"id":"42","group":null},` +
		`"items":[{"sku":"S","qty":1,"price":19.990,"weight":1e3,"categories":["a",null]},` +
		`{"qty":"0x10","attributes":{"a.b":"yes","on":true,"size":-0.5,"":"x"},"sku":"S","price":19.990,"weight":1e3,"categories":["a",null]}],` +
		`"shipping":{"amount":".5","country":"US"}}`
	if string(c.Cart) != want {
		t.Errorf("cart:\n%s\nwant:\n%s", c.Cart, want)
	}
	if !json.Valid(c.Cart) {
		t.Error("cart is not valid JSON")
	}
	for _, tt := range []struct {
		field string
		key   bool
		want  diag.Pos
	}{
		{"", false, tcPos(3, 3)},
		{"coupon_code", false, tcPos(4, 16)},
		{"coupon_code", true, tcPos(4, 3)},
		{"customer.id", false, tcPos(5, 21)},
		{"items[0].price", false, tcPos(7, 37)},
		{"items[1].qty", false, tcPos(9, 12)},
		{"items[1].price", false, tcPos(7, 37)}, // merged: where it is written
		{`items[1].attributes["a.b"]`, true, tcPos(10, 20)},
		{`items[1].attributes[""]`, false, tcPos(10, 58)},
		{"items[0].sku.x", false, tcPos(7, 19)},              // deeper than written: the closest value
		{`items[1].attributes["x.y"]`, false, tcPos(10, 19)}, // not written: its mapping
		{"items[5]", false, tcPos(7, 5)},
		{"shipping.method", true, tcPos(11, 13)},
		{"payment", false, tcPos(3, 3)},
	} {
		if got := c.CartPos(tt.field, tt.key); got != tt.want {
			t.Errorf("CartPos(%q, %t) = %s, want %s", tt.field, tt.key, got, tt.want)
		}
	}
}

func TestLoadTests(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a.test.yaml":               "name: a\ncart: {}\n",
		"rules.yaml":                "cart_rules: []\n",
		"sub/b.test.yml":            "name: b\ncart: {}\n",
		"sub/deeper/c.TEST.yaml":    "name: c\ncart: {}\n", // not .test: case matters, as for Load
		".hidden/d.test.yaml":       "name: d\ncart: {}\n",
		"sub/e.test.yaml~":          "backup",
		"sub/a.golden.json":         "{}\n",
		"clash/x.test.yaml":         "name: x\ncart: {}\n",
		"clash/x.test.yml":          "name: y\ncart: {}\n",
		"explicit/plain.yaml":       "name: p\ncart: {}\n",
		"explicit/broken.test.yaml": "name: [\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	suite, diags := LoadTests(".", "explicit/plain.yaml", "a.test.yaml", "nope")
	var got []string
	for _, f := range suite.Files {
		got = append(got, f.Name+" -> "+f.Golden)
	}
	want := []string{
		"a.test.yaml -> a.golden.json",
		"clash/x.test.yaml -> clash/x.golden.json",
		"clash/x.test.yml -> clash/x.golden.json",
		"explicit/broken.test.yaml -> explicit/broken.golden.json",
		"explicit/plain.yaml -> explicit/plain.golden.json",
		"sub/b.test.yml -> sub/b.golden.json",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	wantDiags := lines(
		"clash/x.test.yml: test files clash/x.test.yaml and clash/x.test.yml would share the golden file clash/x.golden.json: rename one",
		"explicit/broken.test.yaml:1:1: syntax error: did not find expected node content",
		"nope: cannot read: no such file or directory",
	)
	if got := diags.Error(); got != wantDiags {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, wantDiags)
	}
	if got := suite.Sources.Line("a.test.yaml", 1); got != "name: a" {
		t.Errorf("sources: line 1 of a.test.yaml is %q", got)
	}
}

// FuzzLoadTests feeds arbitrary bytes to the test-file parser. Whatever the
// bytes, it must not panic, every diagnostic must be well formed, and a file
// without errors must give carts that are JSON, with positions in the file.
func FuzzLoadTests(f *testing.F) {
	for _, tt := range testFiles {
		f.Add([]byte(tt.src))
	}
	// The demo's cases, one per seed: whole files make fuzzing crawl.
	demo, _ := filepath.Glob("../testdata/demo/tests/*.test.yaml")
	for _, p := range demo {
		data, _ := os.ReadFile(p)
		for i, c := range strings.Split(string(data), "\n  - name:") {
			if i > 0 {
				f.Add([]byte("cases:\n  - name:" + c))
			}
		}
	}
	f.Add([]byte("name: a\ncart: &a {x: *a}\n"))
	f.Add([]byte("\r\r0")) // CR alone ends a line
	f.Add([]byte("name: a\ncart: {a: &a [*a]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, diags := ParseTests("f.test.yaml", data)
		lineCount := len(newSource("f.test.yaml", data).lines) // as yaml.v3 counts them
		for _, d := range diags {
			if d.Code == "" || d.Message == "" || !utf8.ValidString(d.Message) {
				t.Errorf("bad diagnostic: %+v", d)
			}
			if d.Pos.File != "f.test.yaml" || d.Pos.Line < 0 || d.Pos.Line > lineCount {
				t.Errorf("position %s outside the file", d.Pos)
			}
		}
		if diags.HasErrors() {
			return
		}
		for _, c := range file.Cases {
			if c.Cart == nil && len(c.Placements) > 0 {
				continue // blocks for an empty cart
			}
			if !json.Valid(c.Cart) {
				t.Errorf("case %q: cart is not JSON: %s", c.Name, c.Cart)
			}
			for path := range c.cartValues {
				if p := c.CartPos(path+".x", false); p.Line < 1 || p.Line > lineCount {
					t.Errorf("CartPos(%q) = %s", path, p)
				}
			}
		}
	})
}
