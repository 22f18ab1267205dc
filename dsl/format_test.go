package dsl

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// modelOpts compare rule models positions aside, conditions by what they
// mean (EqualConditions), decimals and times by value.
var modelOpts = cmp.Options{
	cmpopts.IgnoreFields(rules.CartRule{}, "Pos", "Fields"),
	cmpopts.IgnoreFields(rules.Audience{}, "Pos", "Fields"),
	cmp.Comparer(func(a, b rules.Expr) bool { return EqualConditions(a.Text, b.Text) }),
	cmpopts.EquateEmpty(),
}

func TestFormatRulesGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/fmt/*.rules")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, diags := FormatRules(file, src)
			if diags.HasErrors() {
				t.Fatalf("FormatRules: %v", diags)
			}
			golden := strings.TrimSuffix(file, ".rules") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(out)); diff != "" {
				t.Errorf("FormatRules (-want +got):\n%s", diff)
			}
			again, _ := FormatRules(file, out)
			if diff := cmp.Diff(string(out), string(again)); diff != "" {
				t.Errorf("not idempotent (-first +second):\n%s", diff)
			}
			checkSameMeaning(t, src, out)
		})
	}
}

// checkSameMeaning checks that two .rules texts read as the same model
// with the same kinds of problems.
func checkSameMeaning(t *testing.T, a, b []byte) {
	t.Helper()
	da, la := ParseRules("a.rules", a)
	db, lb := ParseRules("b.rules", b)
	if diff := cmp.Diff(da.Audiences, db.Audiences, modelOpts); diff != "" {
		t.Errorf("audiences changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(da.CartRules, db.CartRules, modelOpts); diff != "" {
		t.Errorf("rules changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(diagCodes(la), diagCodes(lb)); diff != "" {
		t.Errorf("diagnostics changed (-before +after):\n%s", diff)
	}
}

func diagCodes(l diag.List) []string {
	var out []string
	for _, d := range l {
		out = append(out, d.Code)
	}
	return out
}

func TestFormatCondition(t *testing.T) {
	long := `customer.group in ["guest", "general"] and shipping.country == "US" and cart.weight < 20 and any(items, "camping" in item.categories)`
	for _, tc := range []struct {
		src  string
		col  int
		want []string
	}{
		{`cart.subtotal>=100`, 1, []string{`cart.subtotal >= 100`}},
		{`audience( "VIP Shoppers" )&&!audience('Churn Risk')`, 1, []string{`audience("VIP Shoppers") and not audience("Churn Risk")`}},
		{`A OR b.c  ==  TRUE || NOT x.y`, 1, []string{`A or b.c == true or not x.y`}},
		{`"x" NOT IN item.categories`, 1, []string{`"x" not in item.categories`}},
		{`shipping.postcode STARTS   WITH "9" and x.y not  contains 'a"b'`, 1, []string{`shipping.postcode starts with "9" and x.y not contains "a\"b"`}},
		{`item.sku in [ "p1" ,"p2", ]and x.y > - 1.5`, 1, []string{`item.sku in ["p1", "p2"] and x.y > -1.5`}},
		{`COUNT(items)==3 and Foo(1)`, 1, []string{`count(items) == 3 and Foo(1)`}},
		{`((a.b))`, 1, []string{`((a.b))`}},
		{"a.b == 1\n   and\n c.d == 2", 1, []string{`a.b == 1 and c.d == 2`}},
		// Long conditions break before the operators at the top level.
		{long, 1, []string{`customer.group in ["guest", "general"]`, `and shipping.country == "US"`, `and cart.weight < 20`, `and any(items, "camping" in item.categories)`}},
		{long, 0, []string{long}},
		{"(" + long + ") or x.y", 1, []string{"(" + long + ")", "or x.y"}},
		// Comments keep the text as written.
		{"a.b == 1 # one\n  and c.d == 2\n\n", 1, []string{"a.b == 1 # one", "and c.d == 2"}},
		{`"#" in item.categories`, 1, []string{`"#" in item.categories`}},
	} {
		got, err := FormatCondition(tc.src, tc.col)
		if err != nil {
			t.Errorf("FormatCondition(%q): %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("FormatCondition(%q) (-want +got):\n%s", tc.src, diff)
		}
		if !EqualConditions(tc.src, strings.Join(got, "\n")) {
			t.Errorf("FormatCondition(%q) changed its meaning", tc.src)
		}
	}
	if _, err := FormatCondition("a ==", 1); err == nil {
		t.Error("FormatCondition of a broken condition: no error")
	}
}

func TestEqualConditions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"a.b == 1 and c.d", "a.b==1 AND c.d # why", true},
		{"not a.b", "!a.b", true},
		{"a.b == 1", "a.b == 2", false},
		{"(a.b) or c.d", "a.b or c.d", false}, // parentheses are kept, so compared
		{"a ==", "  a ==\n", true},
		{"a ==", "a == ", true},
		{"a ==", "b ==", false},
	} {
		if got := EqualConditions(tc.a, tc.b); got != tc.want {
			t.Errorf("EqualConditions(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
