package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shop copies the fixture project testdata/testcmd/shop (three passing
// cases with their goldens) to a temporary directory and makes it the
// working directory, so that outputs name files as tests/shop.test.yaml.
func shop(t *testing.T) {
	t.Helper()
	fixture(t, "shop")
}

// fixture copies the fixture project testdata/testcmd/<name> to a temporary
// directory and makes it the working directory.
func fixture(t *testing.T, name string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/testcmd/"+name)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
}

// edit replaces old with new in file, which must hold old once.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte(old)); n != 1 {
		t.Fatalf("%s holds %q %d times", file, old, n)
	}
	write(t, file, strings.Replace(string(data), old, new, 1))
}

func write(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// wantRun runs ruled and compares its exit code and whole output.
func wantRun(t *testing.T, code int, stdout, stderr string, args ...string) {
	t.Helper()
	gotCode, gotOut, gotErr := runCLI(t, "", args...)
	if gotCode != code {
		t.Errorf("ruled %s: exit %d, want %d", strings.Join(args, " "), gotCode, code)
	}
	if diff := cmp.Diff(stdout, gotOut); diff != "" {
		t.Errorf("ruled %s: stdout (-want +got):\n%s", strings.Join(args, " "), diff)
	}
	if diff := cmp.Diff(stderr, gotErr); diff != "" {
		t.Errorf("ruled %s: stderr (-want +got):\n%s", strings.Join(args, " "), diff)
	}
}

func TestTestDemo(t *testing.T) {
	code, out, errs := runCLI(t, "", "test", "--rules", "../../testdata/demo")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var passed, failed int
	if _, err := fmt.Sscanf(out, "%d passed, %d failed\n", &passed, &failed); err != nil || passed < 20 || failed != 0 {
		t.Errorf("want only a summary of at least 20 passing demo cases, got %q", out)
	}
}

func TestTestPasses(t *testing.T) {
	shop(t)
	wantRun(t, exitOK, "3 passed, 0 failed\n", "", "test")
	wantRun(t, exitOK, `ok   tests/shop.test.yaml plain cart
ok   tests/shop.test.yaml vip ships free
ok   tests/single.test.yaml membership header
3 passed, 0 failed
`, "", "test", "-v")
}

func TestTestChangedRule(t *testing.T) {
	shop(t)
	edit(t, "rules.yaml", "      amount: 10\n", "      amount: 15\n")
	// The diff shows exactly which numbers moved.
	wantRun(t, exitWrong, `FAIL tests/shop.test.yaml plain cart
tests/shop.test.yaml:2:11: result differs from tests/shop.golden.json; run ruled test --update to accept it
    --- golden
    +++ actual
    @@ -4,7 +4,7 @@
           "id": "ten-off",
           "name": "10% off everything",
           "label": "10% off everything",
    -      "discount": "10.00"
    +      "discount": "15.00"
         }
       ],
       "items": [
    @@ -13,7 +13,7 @@
           "qty": "2",
           "price": "50.00",
           "row_total": "100.00",
    -      "discount": "10.00",
    +      "discount": "15.00",
           "applied_rules": [
             "ten-off"
           ]
    @@ -21,10 +21,10 @@
       ],
       "totals": {
         "subtotal": "100.00",
    -    "discount": "10.00",
    +    "discount": "15.00",
         "shipping": "5.00",
         "shipping_discount": "0.00",
    -    "grand_total": "95.00"
    +    "grand_total": "90.00"
       },
       "free_shipping": false,
       "coupon": null,
0 passed, 1 failed
`, "", "test", "--run", "^plain")

	// A case whose expect pins the old numbers fails on them too.
	code, out, _ := runCLI(t, "", "test", "--run", "vip")
	for _, want := range []string{
		"FAIL tests/shop.test.yaml vip ships free\n" +
			"tests/shop.test.yaml:22:23: items.A.discount: want 2.00, got 3.00\n" +
			"            A: {discount: \"2.00\"}\n" +
			"                          ^\n" +
			"tests/shop.test.yaml:23:29: totals.grand_total: want 18.00, got 17.00\n" +
			"          totals: {grand_total: \"18.00\"}\n" +
			"                                ^\n" +
			"tests/shop.test.yaml:11:11: result differs from tests/shop.golden.json; run ruled test --update to accept it\n" +
			"    --- golden\n",
		"-    \"grand_total\": \"18.00\"\n    +    \"grand_total\": \"17.00\"\n",
	} {
		if code != exitWrong || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks\n%s\ngot:\n%s", code, want, out)
		}
	}

	// --update rewrites the goldens, never expect: the case that pins the old
	// numbers still fails, on its expectations only.
	testFile := read(t, "tests/shop.test.yaml")
	const stillWrong = `FAIL tests/shop.test.yaml vip ships free
tests/shop.test.yaml:22:23: items.A.discount: want 2.00, got 3.00
            A: {discount: "2.00"}
                          ^
tests/shop.test.yaml:23:29: totals.grand_total: want 18.00, got 17.00
          totals: {grand_total: "18.00"}
                                ^
`
	wantRun(t, exitWrong, "updated tests/shop.golden.json\nupdated tests/single.golden.json\n"+stillWrong+"2 passed, 1 failed\n", "", "test", "--update")
	wantRun(t, exitWrong, stillWrong+"2 passed, 1 failed\n", "", "test")
	if read(t, "tests/shop.test.yaml") != testFile {
		t.Error("--update changed the test file")
	}
	if golden := read(t, "tests/shop.golden.json"); !strings.Contains(golden, `"grand_total": "90.00"`) {
		t.Errorf("golden not updated:\n%s", golden)
	}
	// Nothing changed since: --update writes nothing.
	wantRun(t, exitWrong, stillWrong+"2 passed, 1 failed\n", "", "test", "--update")
}

func TestTestExplainsMissingRule(t *testing.T) {
	shop(t)
	edit(t, "rules.yaml", "cart.subtotal >= 20", "cart.subtotal >= 50")
	_, out, _ := runCLI(t, "", "test", "--run", "vip")
	want := `FAIL tests/shop.test.yaml vip ships free
tests/shop.test.yaml:20:32: applied_rules: want [ten-off, vip-ship], got [ten-off]
          applied_rules: [ten-off, vip-ship]
                                   ^
    vip-ship did not apply (condition): the cart does not meet the condition
        false: cart.subtotal >= 50 (cart.subtotal = 20)
tests/shop.test.yaml:23:29: totals.grand_total: want 18.00, got 23.00
          totals: {grand_total: "18.00"}
                                ^
tests/shop.test.yaml:24:22: free_shipping: want true, got false
          free_shipping: true
                         ^
tests/shop.test.yaml:11:11: result differs from tests/shop.golden.json; run ruled test --update to accept it
    --- golden
`
	if !strings.HasPrefix(out, want) {
		t.Errorf("output does not start with\n%s\ngot:\n%s", want, out)
	}
}

func TestTestMissingGolden(t *testing.T) {
	shop(t)
	if err := os.Remove("tests/shop.golden.json"); err != nil {
		t.Fatal(err)
	}
	const hint = ": golden file tests/shop.golden.json does not exist; run ruled test --update to create it\n"
	wantRun(t, exitWrong, "FAIL tests/shop.test.yaml plain cart\ntests/shop.test.yaml:2:11"+hint+"FAIL tests/shop.test.yaml vip ships free\ntests/shop.test.yaml:11:11"+hint+"1 passed, 2 failed\n", "", "test")
	wantRun(t, exitOK, "created tests/shop.golden.json\n3 passed, 0 failed\n", "", "test", "--update")
	wantRun(t, exitOK, "3 passed, 0 failed\n", "", "test")

	// A case added to a file: its result is missing from the golden file.
	edit(t, "tests/single.test.yaml", "name: membership header", "name: membership header again")
	wantRun(t, exitWrong, `FAIL tests/single.test.yaml membership header again
tests/single.test.yaml:2:7: golden file tests/single.golden.json has no result for this case; run ruled test --update to record it
2 passed, 1 failed
`, `tests/single.golden.json: warning: result for "membership header" matches no case in tests/single.test.yaml; ruled test --update removes it
`, "test")
	wantRun(t, exitOK, "updated tests/single.golden.json\n3 passed, 0 failed\n", "", "test", "--update")
	if golden := read(t, "tests/single.golden.json"); !strings.HasPrefix(golden, "{\n  \"membership header again\": {\n") || strings.Count(golden, "membership header") != 1 {
		t.Errorf("golden file:\n%s", golden)
	}
}

func TestTestBrokenGolden(t *testing.T) {
	shop(t)
	write(t, "tests/single.golden.json", "{\n  \"membership header\": {\n<<<<<<< HEAD\n")
	wantRun(t, exitCantRun, "", `tests/single.golden.json:3:1: golden file is not a JSON object of results by case name: invalid character '<' looking for beginning of object key string; fix it, or rewrite it with ruled test --update
    <<<<<<< HEAD
    ^
1 error: the test files could not be loaded
`, "test")
	wantRun(t, exitOK, "updated tests/single.golden.json\n3 passed, 0 failed\n", "", "test", "--update")
}

// Malformed test files are positioned errors, with did-you-mean where one
// is cheap; nothing runs and the exit code is 2.
func TestTestMalformed(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{
			name: "keys and ids",
			file: `cases:
  - name: typos
    now: 2026-10-01T12:00:00-04:00
    segmnts: [x]
    cart: {items: [{sku: A, qty: 1, price: 10}]}
    expect:
      applied_rules: [ten-of]
      not_applied: [vip-ship]
      totals: {grand_totl: "1.00"}
      items: {a: {discount: "1.00"}}
`,
			want: `tests/bad.test.yaml:4:5: unknown key "segmnts" in test case; did you mean "segments"? allowed: name, now, segments, membership, cart, placements, visitor_id, view, expect
        segmnts: [x]
        ^
tests/bad.test.yaml:7:23: unknown rule "ten-of" in expect.applied_rules; did you mean "ten-off"?
          applied_rules: [ten-of]
                          ^
tests/bad.test.yaml:9:16: unknown key "grand_totl" in expect.totals; did you mean "grand_total"? allowed: subtotal, discount, shipping, shipping_discount, grand_total
          totals: {grand_totl: "1.00"}
                   ^
tests/bad.test.yaml:10:15: no line of the cart has sku "a"; did you mean "A"?
          items: {a: {discount: "1.00"}}
                  ^
4 errors: the test files could not be loaded
`,
		},
		{
			name: "cart problems at their place",
			file: `cases:
  - name: zero qty
    now: 2026-10-01T12:00:00-04:00
    cart:
      items:
        - {sku: A, qty: 1, price: 10}
        - sku: B
          qty: 0
          price: 10
  - name: unknown field
    now: 2026-10-01T12:00:00-04:00
    cart:
      customer: {id: "1", grop: vip}
      items: [{sku: A, qty: 1, price: 10}]
  - name: number for a string
    now: 2026-10-01T12:00:00-04:00
    cart:
      coupon_code: 2026
      items: [{sku: A, qty: 1, price: 10}]
  - name: missing sku
    now: 2026-10-01T12:00:00-04:00
    cart:
      items: [{qty: 1, price: 10}]
`,
			want: `tests/bad.test.yaml:8:16: cart.items[1].qty: must be > 0
              qty: 0
                   ^
tests/bad.test.yaml:13:27: cart.customer.grop: unknown field, did you mean "group"? (allowed: id, group)
          customer: {id: "1", grop: vip}
                              ^
tests/bad.test.yaml:18:20: cart.coupon_code: want a string, got a number (write it in quotes: YAML reads 12345 and true as a number and a boolean)
          coupon_code: 2026
                       ^
tests/bad.test.yaml:23:15: cart.items[0].sku: required
          items: [{qty: 1, price: 10}]
                  ^
4 errors: the test files could not be loaded
`,
		},
		{
			name: "case problems",
			file: `cases:
  - name: one
    membership: "%zz"
    segments: [x]
    cart: {items: [{sku: A, qty: 1, price: 10}]}
  - name: one
    now: yesterday
    cart: {items: [{sku: A, qty: 1, price: 10}]}
  - cart: {items: [{sku: A, qty: 1, price: 10}]}
`,
			want: `tests/bad.test.yaml:2:5: test case has no now: without it the result depends on the day the test runs; add one such as now: 2026-11-27T10:00:00-05:00
      - name: one
        ^
tests/bad.test.yaml:3:17: membership is not a valid aep-segments-membership value: malformed percent-encoding at byte 0 ("%zz"): want '%' followed by two hex digits
        membership: "%zz"
                    ^
tests/bad.test.yaml:3:17: test case has both segments and membership: write the ids under one of them
        membership: "%zz"
                    ^
tests/bad.test.yaml:6:11: duplicate test case name "one": first used at tests/bad.test.yaml:2:11; the golden file keys results by name
      - name: one
              ^
tests/bad.test.yaml:7:10: now "yesterday" is not an RFC 3339 time: want one such as 2026-01-15T10:30:00Z
        now: yesterday
             ^
tests/bad.test.yaml:9:5: test case has no name: the golden file keys each case's result by its name
      - cart: {items: [{sku: A, qty: 1, price: 10}]}
        ^
tests/bad.test.yaml:9:5: test case has no now: without it the result depends on the day the test runs; add one such as now: 2026-11-27T10:00:00-05:00
      - cart: {items: [{sku: A, qty: 1, price: 10}]}
        ^
7 errors: the test files could not be loaded
`,
		},
		{
			name: "yaml syntax",
			file: "cases:\n  - name: a\n    cart: {items: [\n",
			want: `tests/bad.test.yaml:3:1: syntax error: did not find expected node content
        cart: {items: [
    ^
1 error: the test files could not be loaded
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop(t)
			write(t, "tests/bad.test.yaml", tt.file)
			wantRun(t, exitCantRun, "", tt.want, "test")
		})
	}
}

func TestTestRun(t *testing.T) {
	shop(t)
	wantRun(t, exitOK, "ok   tests/shop.test.yaml vip ships free\n1 passed, 0 failed\n", "", "test", "-v", "--run", "^vip")
	// A CI job must not pass on nothing.
	wantRun(t, exitCantRun, "", "--run \"nothing matches\" matches none of the 3 cases in 2 files\n", "test", "--run", "nothing matches")
	wantRun(t, exitCantRun, "", "ruled test: --run: error parsing regexp: missing closing ): `(`\n", "test", "--run", "(")
}

func TestTestPaths(t *testing.T) {
	shop(t)
	wantRun(t, exitOK, "ok   tests/single.test.yaml membership header\n1 passed, 0 failed\n", "", "test", "-v", "tests/single.test.yaml")
	wantRun(t, exitOK, "3 passed, 0 failed\n", "", "test", "tests", "tests/shop.test.yaml")
	wantRun(t, exitCantRun, "", "tests/nope.test.yaml: cannot read: no such file or directory\n1 error: the test files could not be loaded\n", "test", "tests/nope.test.yaml")
	if err := os.Mkdir("empty", 0o755); err != nil {
		t.Fatal(err)
	}
	wantRun(t, exitCantRun, "", "no test files (*.test.yaml) in empty\n", "test", "empty")
}

func TestTestBrokenRules(t *testing.T) {
	shop(t)
	edit(t, "rules.yaml", "priority: 10", "priorty: 10")
	code, out, errs := runCLI(t, "", "test")
	want := `rules.yaml:5:5: unknown key "priorty" in cart rule; did you mean "priority"?`
	if code != exitCantRun || out != "" || !strings.Contains(errs, want) || !strings.HasSuffix(errs, "\n1 error: the rules could not be loaded\n") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files of the tests")

// TestTestJSON pins the JSON report of ruled test (its shape is documented
// in package ruletest) with a golden file: every failure at its position,
// with its code, source line, notes and diff.
func TestTestJSON(t *testing.T) {
	golden, err := filepath.Abs("testdata/testcmd/shop.report.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	shop(t)
	edit(t, "rules.yaml", "      amount: 10\n", "      amount: 15\n")
	edit(t, "rules.yaml", "cart.subtotal >= 20", "cart.subtotal >= 50")
	code, out, errs := runCLI(t, "", "test", "--format", "json")
	if code != exitWrong || errs != "" {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(read(t, golden), out); diff != "" {
		t.Errorf("report (-want +got); go test -run TestTestJSON -update rewrites it:\n%s", diff)
	}

	// When nothing runs, the report says why, with the diagnostics.
	write(t, "tests/bad.test.yaml", "name: x\nnow: 2026-10-01T12:00:00Z\ncart: {itms: []}\n")
	code, out, errs = runCLI(t, "", "test", "--format", "json")
	var rep struct {
		Passed, Failed int
		NotRun         string `json:"not_run"`
		Cases          []any
		Diagnostics    []struct {
			Pos struct {
				File      string
				Line, Col int
			}
			Code, Message string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitCantRun || errs != "" {
		t.Fatalf("exit %d, %v, stderr %q:\n%s", code, err, errs, out)
	}
	if rep.NotRun != "the test files could not be loaded" || len(rep.Cases) != 0 || len(rep.Diagnostics) != 1 {
		t.Fatalf("report: %s", out)
	}
	if d := rep.Diagnostics[0]; d.Pos.File != "tests/bad.test.yaml" || d.Pos.Line != 3 || d.Pos.Col != 8 || d.Code != "invalid-cart" {
		t.Errorf("diagnostic %+v", d)
	}
}

// banners is the fixture testdata/testcmd/banners: two passing cases that
// choose blocks, one without a cart.
func banners(t *testing.T) { fixture(t, "banners") }

func TestTestBlocksPass(t *testing.T) {
	banners(t)
	wantRun(t, exitOK, `ok   tests/banners.test.yaml vip home page
ok   tests/banners.test.yaml big cart in the sale
2 passed, 0 failed
`, "", "test", "-v")
	// The golden holds the chosen blocks, content files' text included.
	golden := read(t, "tests/banners.golden.json")
	for _, want := range []string{`"content": "<h1>Hello VIP</h1>\n"`, `"data": {`, `"badge": "gold"`, `"id": "tip-b"`} {
		if !strings.Contains(golden, want) {
			t.Errorf("golden lacks %s:\n%s", want, golden)
		}
	}
}

// TestTestBlocksChanged: a block's content file edited shows in the diff;
// blocks that no longer show fail expect.blocks, saying why when the
// block's status explains it.
func TestTestBlocksChanged(t *testing.T) {
	banners(t)
	write(t, "content/vip.html", "<h1>Hello again, VIP</h1>\n")
	wantRun(t, exitWrong, `FAIL tests/banners.test.yaml vip home page
tests/banners.test.yaml:2:11: result differs from tests/banners.golden.json; run ruled test --update to accept it
    --- golden
    +++ actual
    @@ -22,7 +22,7 @@
           {
             "id": "vip-hero",
             "name": "VIP hero",
    -        "content": "<h1>Hello VIP</h1>\n"
    +        "content": "<h1>Hello again, VIP</h1>\n"
           }
         ]
       }
0 passed, 1 failed
`, "", "test", "--run", "vip")

	edit(t, "rules.yaml", "    to: 2026-11-30\n", "    to: 2026-11-27\n")
	edit(t, "rules.yaml", "  - id: tip-a\n", "  - id: tip-c\n")
	_, out, _ := runCLI(t, "", "test", "--run", "sale")
	want := `FAIL tests/banners.test.yaml big cart in the sale
tests/banners.test.yaml:20:16: blocks.hero: want [sale-hero, spender-hero], got [spender-hero]
            hero: [sale-hero, spender-hero]
                   ^
    sale-hero did not show: it is expired at 2026-11-28T12:00:00-05:00
tests/banners.test.yaml:21:16: blocks.tips: want [tip-b], got [tip-c]
            tips: [tip-b]
                   ^
tests/banners.test.yaml:10:11: result differs from tests/banners.golden.json; run ruled test --update to accept it
    --- golden
`
	if !strings.HasPrefix(out, want) {
		t.Errorf("output does not start with\n%s\ngot:\n%s", want, out)
	}
}

// TestTestBlocksMalformed: placements and blocks the rules do not have are
// positioned errors with a did-you-mean; nothing runs and the exit code is 2.
func TestTestBlocksMalformed(t *testing.T) {
	banners(t)
	write(t, "tests/bad.test.yaml", `name: typos
now: 2026-10-01T12:00:00-04:00
placements: [hero, tip]
expect:
  blocks:
    hero: [vip-hro, tip-a]
    tip: []
`)
	wantRun(t, exitCantRun, "", `tests/bad.test.yaml:3:20: unknown placement "tip"; did you mean "tips"?
    placements: [hero, tip]
                       ^
tests/bad.test.yaml:6:12: unknown block "vip-hro" in expect.blocks.hero; did you mean "vip-hero"?
        hero: [vip-hro, tip-a]
               ^
tests/bad.test.yaml:6:21: block "tip-a" shows in placement "tips", never in "hero"
        hero: [vip-hro, tip-a]
                        ^
3 errors: the test files could not be loaded
`, "test")
}
