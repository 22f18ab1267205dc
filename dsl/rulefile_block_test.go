package dsl

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/rules"
)

// everyBlockField uses every field of the YAML placement and block schema.
const everyBlockField = `placement home.hero "Home page hero" {
  rotation random
  limit 1
}

placement cart.strip "Cart strip"

# Welcome back.
block holiday-hero-lapsed "Holiday hero - welcome back" in home.hero {
  disabled
  websites base
  groups general, vip
  active 2026-12-01 .. 2026-12-31
  priority 10
  when audience("Lapsed Customers") and not audience("Churn Risk")
  related rules vip-15-everything, socks-buy2-get1
  content file "content/holiday-hero.html"
  data {"image": "/media/hero/holiday-2026.jpg",
        "cta": "Shop <gifts>", "n": 1.50, "list": [1, {"a": null}]}
}

block strip "Strip" in cart.strip {
  active from 2026-01-01
  content '<p class="x">inline</p>'
  data "just text"
}
`

var blockOpts = cmp.Options{
	cmpopts.IgnoreFields(rules.Placement{}, "Pos", "Fields"),
	cmpopts.IgnoreFields(rules.Block{}, "Pos", "Fields"),
	cmp.Comparer(func(a, b rules.Expr) bool { return a.Text == b.Text }),
	cmpopts.EquateEmpty(),
}

func TestParseRulesBlocks(t *testing.T) {
	doc, diags := ParseRules("b.rules", []byte(everyBlockField))
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	wantP := []rules.Placement{
		{ID: "home.hero", Name: "Home page hero", Rotation: rules.RotateRandom, Limit: 1},
		{ID: "cart.strip", Name: "Cart strip", Rotation: rules.RotateAll},
	}
	if diff := cmp.Diff(wantP, doc.Placements, blockOpts); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
	day := func(y int, m time.Month, d int) rules.Bound {
		return rules.Bound{Date: rules.Date{Year: y, Month: m, Day: d}}
	}
	wantB := []rules.Block{{
		ID: "holiday-hero-lapsed", Name: "Holiday hero - welcome back", Enabled: false, Placement: "home.hero",
		Websites: []string{"base"}, CustomerGroups: []string{"general", "vip"}, From: day(2026, 12, 1), To: day(2026, 12, 31),
		Priority: 10, When: rules.Expr{Text: `audience("Lapsed Customers") and not audience("Churn Risk")`},
		RelatedRules: []string{"vip-15-everything", "socks-buy2-get1"}, ContentFile: "content/holiday-hero.html",
		// As the YAML loader writes data: encoding/json, numbers as decimals.
		Data: []byte(`{"cta":"Shop \u003cgifts\u003e","image":"/media/hero/holiday-2026.jpg","list":[1,{"a":null}],"n":1.5}`),
	}, {
		ID: "strip", Name: "Strip", Enabled: true, Placement: "cart.strip", From: day(2026, 1, 1),
		Content: `<p class="x">inline</p>`, Data: []byte(`"just text"`),
	}}
	if diff := cmp.Diff(wantB, doc.Blocks, blockOpts); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	b := doc.Blocks[0]
	for field, want := range map[string]string{
		"id": "b.rules:9:7", "name": "b.rules:9:27", "placement": "b.rules:9:60", "enabled": "b.rules:10:3",
		"websites": "b.rules:11:12", "customer_groups": "b.rules:12:10", "from": "b.rules:13:10", "to": "b.rules:13:24",
		"priority": "b.rules:14:12", "when": "b.rules:15:8", "related_rules": "b.rules:16:17",
		"content_file": "b.rules:17:16", "data": "b.rules:18:8",
	} {
		if got := b.FieldPos(field).String(); got != want {
			t.Errorf("position of %s = %s, want %s", field, got, want)
		}
	}
	if got := doc.Blocks[1].FieldPos("content").String(); got != "b.rules:24:11" {
		t.Errorf("position of content = %s", got)
	}
	p := doc.Placements[0]
	for field, want := range map[string]string{"id": "b.rules:1:11", "name": "b.rules:1:21", "rotation": "b.rules:2:12", "limit": "b.rules:3:9"} {
		if got := p.Fields[field].String(); got != want {
			t.Errorf("position of placement %s = %s, want %s", field, got, want)
		}
	}
	if doc.BlockComments[0] != "# Welcome back." || doc.PlacementComments[0] != "" {
		t.Errorf("comments: %q %q", doc.BlockComments, doc.PlacementComments)
	}

	// Printed and read back: the same model.
	out, err := PrintRules(doc)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ParseRules("p.rules", out)
	if len(diags) > 0 {
		t.Fatalf("reading back: %v\n%s", diags, out)
	}
	if diff := cmp.Diff(doc.Placements, back.Placements, blockOpts); diff != "" {
		t.Errorf("printed placements (-want +got):\n%s\n%s", diff, out)
	}
	if diff := cmp.Diff(doc.Blocks, back.Blocks, blockOpts); diff != "" {
		t.Errorf("printed blocks (-want +got):\n%s\n%s", diff, out)
	}
}

func TestParseRulesBlockDiagnostics(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"settings", "block b \"B\" in p {\n  contnet \"x\"\n  related rule x\n  content\n  content file x\n  where x\n}\n",
			`x.rules:2:3: unknown setting "contnet" in a block; did you mean "content"? settings are disabled, websites, groups, active, priority, when, related rules, content, content file, data
x.rules:3:11: unexpected "rule" in related rules; did you mean "rules"? write related rules vip-15-everything, socks-buy2-get1
x.rules:4:10: content needs text in quotes or a file: write content "<p>text</p>" or content file "content/hero.html"
x.rules:5:16: content takes text in quotes: content "..."
x.rules:6:3: unexpected "where" in a block: it takes no condition; settings are disabled, websites, groups, active, priority, when, related rules, content, content file, data`},
		{"header", "block b \"B\" in {\n}\nblock c \"C\" in p q {\n}\n",
			`x.rules:1:13: in needs the placement's id: write block ID "Name" in PLACEMENT { ... }
x.rules:3:18: unexpected "q" after the block's placement: write block ID "Name" in PLACEMENT { ... }`},
		{"data", "block b \"B\" in p {\n  data {\"a\": 1,\n    \"b\" 2}\n}\nblock c \"C\" in p {\n  data {\"n\": 1e5}\n  data 1\n}\n",
			`x.rules:3:9: data is not JSON: invalid character '2' after object key; write data {"image": "/media/hero.jpg", "cta": "Shop now"}
x.rules:6:8: data is not JSON: number 1e5: want digits with an optional fraction, such as 3 or 19.99, or put it in quotes; write data {"image": "/media/hero.jpg", "cta": "Shop now"}
x.rules:7:3: data is already set at x.rules:6:3: write it once`},
		{"placement", "placement p \"P\" {\n  rotation\n  limit x\n  limt 1\n}\n",
			`x.rules:2:11: rotation needs a mode: rotation all, random, series or shuffle
x.rules:3:9: limit "x" is not a whole number: want digits such as 10
x.rules:4:3: unknown setting "limt" in a placement; did you mean "limit"? settings are rotation, limit`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := ParseRules("x.rules", []byte(tc.src))
			diags.Sort()
			if got := diags.Error(); got != tc.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestDataText(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"x\u003cy\u003e\u0026","b":[1,2.50],"c":"a,b: c"}`: `{"a": "x<y>&", "b": [1, 2.50], "c": "a,b: c"}`,
		`"\\u003c"`:  `"\\u003c"`,
		`not json {`: `not json {`,
	} {
		if got := DataText([]byte(in)); got != want {
			t.Errorf("DataText(%s) = %s, want %s", in, got, want)
		}
	}
}
