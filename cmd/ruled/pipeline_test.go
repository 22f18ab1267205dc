package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rules directory that holds no rules is an error that says what it
// holds, for every command that loads rules: a mistyped --rules must not
// pass a CI check, nor replace the rules in service.
func TestNoRules(t *testing.T) {
	const want = "rules are *.yaml, *.yml or *.rules files holding cart_rules, placements or blocks"
	audiences := t.TempDir()
	if err := os.WriteFile(filepath.Join(audiences, "audiences.yaml"), []byte("audiences:\n  - {id: s1, name: VIP}\n  - {id: s2, name: New}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, msg string
	}{
		{"empty", t.TempDir(), "no rules: the directory is empty; " + want},
		{"carts, not rules", "../../testdata/demo/carts", "no rules: found 17 files (black-friday.json, canada-free-shipping.json, churn-risk-winback.json, ...), none of them a rule file; " + want},
		{"audiences only", audiences, "no rules: read audiences.yaml (2 audiences) but no cart rule, placement or block; " + want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr := filepath.ToSlash(tt.dir) + ": " + tt.msg + "\n"
			wantRun(t, exitWrong, "", wantErr+"1 error\n", "check", "--rules", tt.dir)
			wantRun(t, exitCantRun, "", wantErr+"1 error: the rules could not be loaded\n", "test", "--rules", tt.dir)
			code, out, errs := runCLI(t, "", "eval", "--rules", tt.dir, "-")
			if code != exitWrong || out != "" || errs != wantErr {
				t.Errorf("eval: exit %d, stdout %q, stderr %q", code, out, errs)
			}
		})
	}
}

// A project without test files, or a --run that selects no case, fails:
// a CI job must not pass on nothing.
func TestTestNothingToRun(t *testing.T) {
	shop(t)
	wantRun(t, exitCantRun, `{
  "passed": 0,
  "failed": 0,
  "not_run": "--run \"^nope$\" matches none of the 3 cases in 2 files",
  "cases": [],
  "diagnostics": [],
  "written": []
}
`, "", "test", "--format", "json", "--run", "^nope$")
	if err := os.RemoveAll("tests"); err != nil {
		t.Fatal(err)
	}
	wantRun(t, exitCantRun, "", "no test files (*.test.yaml) in .\n", "test")
}

// TestTestDemoFailure: a demo rule changed the way the README walks
// through; the failing case names each broken expectation at its place in
// the test file, with the line and a caret, why the rule did not apply,
// and the golden diff.
func TestTestDemoFailure(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/demo")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	edit(t, "rules/coupons.yaml", "cart.subtotal >= 50", "cart.subtotal >= 120")
	code, out, errs := runCLI(t, "", "test", "--run", "^welcome10 typed in lower case$")
	want := `FAIL tests/coupons.test.yaml welcome10 typed in lower case
tests/coupons.test.yaml:17:23: applied_rules: want [welcome10, welcome10-subscriber-free-shipping], got [welcome10-subscriber-free-shipping]
          applied_rules: [welcome10, welcome10-subscriber-free-shipping]
                          ^
    welcome10 did not apply (condition): the cart does not meet the condition
        false: cart.subtotal >= 120 (cart.subtotal = 118)
tests/coupons.test.yaml:19:26: totals.discount: want 21.80, got 10.00
          totals: {discount: "21.80", shipping_discount: "10.00", grand_total: "106.20"}
                             ^
tests/coupons.test.yaml:19:76: totals.grand_total: want 106.20, got 118.00
          totals: {discount: "21.80", shipping_discount: "10.00", grand_total: "106.20"}
                                                                               ^
tests/coupons.test.yaml:21:15: coupon.applied: want true, got false (the cart does not meet the promotion's conditions)
          coupon: {applied: true}
                  ^
tests/coupons.test.yaml:4:11: result differs from tests/coupons.golden.json; run ruled test --update to accept it
    --- golden
    +++ actual
`
	if code != exitWrong || errs != "" || !strings.HasPrefix(out, want) || !strings.HasSuffix(out, "\n0 passed, 1 failed\n") {
		t.Errorf("exit %d, stderr %q; stdout does not start with\n%s\ngot:\n%s", code, errs, want, out)
	}
}
