package loader

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

var fileOpts = cmp.Options{
	cmpopts.IgnoreFields(rules.CartRule{}, "Pos", "Fields"),
	cmpopts.IgnoreFields(rules.Audience{}, "Pos", "Fields"),
	cmpopts.IgnoreFields(rules.Expr{}, "Pos", "Offsets"),
	cmpopts.EquateEmpty(),
}

func TestWriteYAMLRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 27, 6, 0, 0, 5e8, time.FixedZone("", -5*3600))
	f := &File{
		Comment: "# head\n# two",
		CartRules: []rules.CartRule{{
			ID: "a", Name: "null", Label: "Doorbuster: $25 off", Enabled: false,
			Websites: []string{"base", "yes"}, CustomerGroups: []string{"10"},
			From: rules.Bound{Date: rules.Date{Year: 2026, Month: 11, Day: 27}}, To: rules.Bound{Instant: at},
			Priority: 7, StopFurtherRules: true, Coupons: []string{"#1"},
			When: rules.Expr{Text: "a.b == 1\nand c.d"},
			Action: rules.Action{Type: rules.ByFixed, Amount: money.MustParse("10.50"), MaxQty: money.MustParse("2"),
				Step: money.MustParse("1"), ApplyToShipping: true, FreeShipping: rules.NoFreeShipping,
				Items: rules.Expr{Text: `"x" in item.categories`}},
		}, {
			ID: "b", Name: "B", Enabled: true, Coupons: []string{"X", "Y"}, GeneratedCoupons: true,
			UsesPerCoupon: 100, UsesPerCustomer: 2, Budget: rules.Budget{Amount: money.MustParse("5000.00"), Redemptions: 10},
			Action: rules.Action{Type: rules.BuyXGetY, Amount: money.MustParse("1"), Step: money.MustParse("2")},
		}},
		RuleComments: []string{"# first", ""},
		Foot:         "# foot",
	}
	out, err := WriteYAML(f)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ReadFile("r.yaml", out)
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, out)
	}
	if diff := cmp.Diff(f.CartRules, back.CartRules, fileOpts); diff != "" {
		t.Errorf("rules (-want +got):\n%s\n%s", diff, out)
	}
	if diff := cmp.Diff([]string{back.Comment, back.Foot, back.RuleComments[0], back.RuleComments[1]}, []string{"# head\n# two", "# foot", "# first", ""}); diff != "" {
		t.Errorf("comments (-want +got):\n%s\n%s", diff, out)
	}
	if !strings.Contains(string(out), "  - id: a\n") || !strings.Contains(string(out), "\n\n  - id: b\n") {
		t.Errorf("layout:\n%s", out)
	}
}

// TestWriteYAMLBlocks writes every field of placements and blocks next to
// cart rules and reads them back; references to other files are not
// errors of one file.
func TestWriteYAMLBlocks(t *testing.T) {
	f := &File{
		CartRules: []rules.CartRule{{ID: "r", Name: "R", Enabled: true, Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse("5")}}},
		Placements: []rules.Placement{
			{ID: "home.hero", Name: "Hero", Rotation: rules.RotateRandom, Limit: 2},
			{ID: "strip", Rotation: rules.RotateAll},
		},
		Blocks: []rules.Block{{
			ID: "a", Name: "A", Enabled: false, Placement: "home.hero", Websites: []string{"base"}, CustomerGroups: []string{"vip"},
			From: rules.Bound{Date: rules.Date{Year: 2026, Month: 12, Day: 1}}, To: rules.Bound{Date: rules.Date{Year: 2026, Month: 12, Day: 31}},
			Priority: -3, When: rules.Expr{Text: `audience("X")`}, RelatedRules: []string{"r", "in-another-file"},
			ContentFile: "content/a.html",
			Data:        []byte(`{"a":[1,2.5,true,null,"100.00","yes"],"b":{"c":"\u003cp\u003e: x, y"},"n":-7}`),
		}, {
			ID: "b", Name: "B", Enabled: true, Placement: "elsewhere", Content: "<p class=\"x\">B</p>", Data: []byte(`"text"`),
		}},
		PlacementComments: []string{"# hero", ""},
		BlockComments:     []string{"", "# b"},
	}
	out, err := WriteYAML(f)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ReadFile("b.yaml", out)
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, out)
	}
	opts := cmp.Options{fileOpts, cmpopts.IgnoreFields(rules.Placement{}, "Pos", "Fields"), cmpopts.IgnoreFields(rules.Block{}, "Pos", "Fields")}
	if diff := cmp.Diff(f.Placements, back.Placements, opts); diff != "" {
		t.Errorf("placements (-want +got):\n%s\n%s", diff, out)
	}
	if diff := cmp.Diff(f.Blocks, back.Blocks, opts); diff != "" {
		t.Errorf("blocks (-want +got):\n%s\n%s", diff, out)
	}
	if diff := cmp.Diff([]string{"# hero", "", "", "# b"}, slices.Concat(back.PlacementComments, back.BlockComments)); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(out), "\n\nplacements:\n") || !strings.Contains(string(out), "\n\nblocks:\n") {
		t.Errorf("layout:\n%s", out)
	}
	if _, err := WriteYAML(&File{Audiences: []rules.Audience{{ID: "x"}}, Blocks: f.Blocks}); err == nil {
		t.Error("audiences and blocks in one YAML file: no error")
	}
}

func TestWriteYAMLAudiences(t *testing.T) {
	f := &File{Audiences: []rules.Audience{
		{ID: "a791c66e", Name: "VIP", Description: "Top: 2%", Origin: "Custom upload", Updated: time.Date(2026, 9, 28, 6, 12, 44, 0, time.UTC)},
		{ID: "b", Name: "B", Origin: rules.DefaultOrigin},
	}, AudienceComments: []string{"", "# second"}}
	out, err := WriteYAML(f)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ReadFile("x/audiences.yaml", out)
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, out)
	}
	if diff := cmp.Diff(f.Audiences, back.Audiences, fileOpts); diff != "" {
		t.Errorf("audiences (-want +got):\n%s\n%s", diff, out)
	}
	if back.AudienceComments[1] != "# second" {
		t.Errorf("comments %q", back.AudienceComments)
	}
	f.CartRules = []rules.CartRule{{ID: "x"}}
	if _, err := WriteYAML(f); err == nil {
		t.Error("WriteYAML with audiences and rules: no error")
	}
}

func TestReadFileComments(t *testing.T) {
	src := `# Head.

# More head.
cart_rules:
  # Rule a.
  - id: a   # the id
    name: A
    # before the action
    action: {type: by_percent, amount: 1}

  # Rule b.
  - id: b
    name: B
    action: {type: by_percent, amount: 2}
# foot
`
	f, diags := ReadFile("rules/r.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := []string{f.Comment, f.RuleComments[0], f.RuleComments[1], f.Foot}
	want := []string{"# Head.\n# More head.", "# Rule a.\n# the id\n# before the action", "# Rule b.", "# foot"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func TestReadFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"ruled.yaml", "timezone: UTC\n", "ruled.yaml: ruled.yaml holds no rules or audiences: only rule files and audiences.yaml convert"},
		{"t.test.yaml", "name: x\n", "t.test.yaml: t.test.yaml holds no rules or audiences: only rule files and audiences.yaml convert"},
		{"b.yaml", "placements:\n  - id: p\n    rotaton: random\n", `b.yaml:3:5: unknown key "rotaton" in placement; did you mean "rotation"? allowed: id, name, rotation, limit`},
		{"r.yaml", "cart_rules:\n  - id: a\n    priorty: 1\n", `r.yaml:3:5: unknown key "priorty" in cart rule; did you mean "priority"? allowed: id, name, label, enabled, websites, customer_groups, from, to, priority, stop_further_rules, coupon, uses_per_coupon, uses_per_customer, budget, when, action`},
	} {
		_, diags := ReadFile(tc.name, []byte(tc.src))
		if !strings.Contains(diags.Error()+"\n", tc.want+"\n") {
			t.Errorf("ReadFile(%s):\n%v\nwant:\n%s", tc.name, diags, tc.want)
		}
	}
}
