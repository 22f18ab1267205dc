package ruletest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files of the tests")

// shop copies testdata/shop to a temporary directory, makes it the working
// directory (so that files are named tests/x.test.yaml, as ruled test
// names them) and compiles its rules and loads its test files.
func shop(t *testing.T) (*engine.Program, *loader.TestSuite) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/shop")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	set, diags := loader.Load(".")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	prog, diags := engine.Compile(set)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	suite, diags := loader.LoadTests("tests")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return prog, suite
}

// outcome is a case result in short: one line per failure, "code
// line:col message", notes indented below.
func outcome(c *CaseResult) []string {
	out := []string{fmt.Sprintf("%s passed=%t", c.Name, c.Passed)}
	for _, f := range c.Failures {
		out = append(out, fmt.Sprintf("%s %d:%d %s", f.Code, f.Pos.Line, f.Pos.Col, f.Message))
		for _, n := range f.Notes {
			out = append(out, "  "+n)
		}
	}
	return out
}

func TestRun(t *testing.T) {
	prog, suite := shop(t)
	r := Run(prog, suite, Options{})
	if len(r.Diags) != 0 {
		t.Fatalf("diagnostics:\n%v", r.Diags)
	}
	var got []string
	for _, c := range r.Cases {
		got = append(got, outcome(c)...)
	}
	want := []string{
		"rules passed=false",
		"rule-not-applied 10:32 applied_rules: want [ten-off, vip-ship], got [ten-off]",
		"  vip-ship did not apply (condition): the cart does not meet the condition",
		`      false: audience("VIP") (the shopper is not in this audience)`,
		"rule-applied 11:21 not_applied: want ten-off not applied, got applied (discount 3.00)",
		"coupon-mismatch 12:15 coupon.applied: want true, got false (the cart does not meet the promotion's conditions)",
		"order passed=false",
		"rule-order 21:22 applied_rules: want [vip-ship, ten-off], got [ten-off, vip-ship]",
		"extra passed=false",
		"unexpected-rule 30:22 applied_rules: want [ten-off], got [ten-off, vip-ship]",
		"item-discount-mismatch 32:23 items.A.discount: want 5.00, got 6.00",
		"total-mismatch 33:48 totals.grand_total: want 50, got 54.00",
		"free-shipping-mismatch 34:22 free_shipping: want false, got true",
		"blocks passed=false",
		"block-mismatch 41:16 blocks.hero: want [vip-hero, winter-hero], got []",
		"  winter-hero did not show: it is scheduled at 2026-10-01T12:00:00-04:00",
		"golden differs passed=false",
		"golden-mismatch 43:11 result differs from tests/fail.golden.json; run ruled test --update to accept it",
		"not in the golden file passed=false",
		"golden-missing 49:11 golden file tests/fail.golden.json has no result for this case; run ruled test --update to record it",
		"vip ships free passed=true",
		"vip home page passed=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if r.Passed() != 2 || r.Failed() != 6 || r.Total != 8 {
		t.Errorf("passed %d, failed %d, total %d; want 2, 6, 8", r.Passed(), r.Failed(), r.Total)
	}
	for _, c := range r.Cases {
		if c.Result == nil || c.Pos.File != c.File || c.Pos.Line == 0 {
			t.Errorf("%s: result %v, pos %v", c.Name, c.Result, c.Pos)
		}
		for _, f := range c.Failures {
			switch {
			case f.Code == CodeGoldenMismatch && !strings.HasPrefix(f.Diff, "--- golden\n+++ actual\n@@ "):
				t.Errorf("%s: diff %q", c.Name, f.Diff)
			case f.Code != CodeGoldenMismatch && f.Diff != "":
				t.Errorf("%s: %s has a diff", c.Name, f.Code)
			case strings.HasPrefix(f.Code, "golden-") != (f.Source == ""):
				t.Errorf("%s: %s has source %q", c.Name, f.Code, f.Source)
			}
		}
	}
}

// TestRunConcurrent: runs share the program and the suite and nothing
// else (go test -race).
func TestRunConcurrent(t *testing.T) {
	prog, suite := shop(t)
	if err := os.WriteFile("tests/pass.golden.json", []byte("{\n<<<<<<< HEAD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := Run(prog, suite, Options{})
	done := make(chan *Report)
	for range 4 {
		go func() { done <- Run(prog, suite, Options{}) }()
	}
	for range 4 {
		got := <-done
		if diff := cmp.Diff(want.Diags, got.Diags); diff != "" || len(got.Cases) != len(want.Cases) || got.Failed() != want.Failed() {
			t.Errorf("concurrent run differs: %s", diff)
		}
	}
	if len(want.Diags) != 1 || want.Diags[0].Source != "<<<<<<< HEAD" {
		t.Errorf("diagnostics: %v", want.Diags)
	}
}

func TestRunFilter(t *testing.T) {
	prog, suite := shop(t)
	r := Run(prog, suite, Options{Filter: regexp.MustCompile("^vip")})
	var names []string
	for _, c := range r.Cases {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"vip ships free", "vip home page"}, names); diff != "" || r.Total != 8 || r.Failed() != 0 {
		t.Errorf("selected (-want +got):\n%s\ntotal %d, failed %d", diff, r.Total, r.Failed())
	}
}

// TestUpdate: Update rewrites only the golden files that change, whole,
// keeps the entries of cases not selected, and checks the cases again.
func TestUpdate(t *testing.T) {
	prog, suite := shop(t)
	before, err := os.ReadFile("tests/fail.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod("tests/fail.golden.json", 0o600); err != nil {
		t.Fatal(err)
	}
	r := Run(prog, suite, Options{Filter: regexp.MustCompile("^golden"), Update: true})
	if err := r.Update(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Written{{File: "tests/fail.golden.json"}}, r.Written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if len(r.Cases) != 1 || !r.Cases[0].Passed {
		t.Errorf("after Update: %v", outcome(r.Cases[0]))
	}
	after, err := os.ReadFile("tests/fail.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(before, after) || bytes.Contains(after, []byte("not in the golden file")) || !bytes.Contains(after, []byte(`"rules": {`)) {
		t.Errorf("golden file:\n%s", after)
	}
	if info, err := os.Stat("tests/fail.golden.json"); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after Update: %v, %v; want 0600 kept", info.Mode(), err)
	}
	if left, _ := filepath.Glob("tests/.*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Every case now: the missing entry is added, nothing else changes,
	// and an up-to-date file is not written.
	r = Run(prog, suite, Options{Update: true})
	if err := r.Update(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Written{{File: "tests/fail.golden.json"}}, r.Written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	r = Run(prog, suite, Options{Update: true})
	if err := r.Update(); err != nil || len(r.Written) != 0 {
		t.Errorf("nothing changed: written %v, %v", r.Written, err)
	}

	// A golden file that does not exist is created.
	if err := os.Remove("tests/pass.golden.json"); err != nil {
		t.Fatal(err)
	}
	r = Run(prog, suite, Options{Filter: regexp.MustCompile("^vip"), Update: true})
	if err := r.Update(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Written{{File: "tests/pass.golden.json", Created: true}}, r.Written); diff != "" || r.Failed() != 0 {
		t.Errorf("written (-want +got):\n%s\nfailed %d", diff, r.Failed())
	}
}

// TestRunBadGolden: a golden file that is not JSON is a positioned
// diagnostic, unless it is about to be rewritten.
func TestRunBadGolden(t *testing.T) {
	prog, suite := shop(t)
	if err := os.WriteFile("tests/pass.golden.json", []byte("{\n  \"vip ships free\": {\n<<<<<<< HEAD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := Run(prog, suite, Options{Filter: regexp.MustCompile("^vip")})
	want := "tests/pass.golden.json:3:1: golden file is not a JSON object of results by case name: invalid character '<' looking for beginning of object key string; fix it, or rewrite it with ruled test --update"
	if got := r.Diags.Error(); got != want || r.Diags[0].Source != "<<<<<<< HEAD" || r.Diags[0].Code != "invalid-golden" {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	r = Run(prog, suite, Options{Filter: regexp.MustCompile("^vip"), Update: true})
	if len(r.Diags) != 0 {
		t.Errorf("with Update: %v", r.Diags)
	}
}

// TestReporters pins the text and JSON reports of the shop's run.
func TestReporters(t *testing.T) {
	text, err := filepath.Abs("testdata/shop.report.txt")
	if err != nil {
		t.Fatal(err)
	}
	js := strings.TrimSuffix(text, ".txt") + ".json"
	prog, suite := shop(t)
	r := Run(prog, suite, Options{})
	for _, tt := range []struct {
		golden string
		rep    func(out, errs *bytes.Buffer) Reporter
	}{
		{text, func(out, errs *bytes.Buffer) Reporter { return Text{Out: out, Err: errs, Verbose: true} }},
		{js, func(out, errs *bytes.Buffer) Reporter { return JSON{Out: out} }},
	} {
		var out, errs bytes.Buffer
		if err := tt.rep(&out, &errs).Report(r); err != nil {
			t.Fatal(err)
		}
		if errs.Len() != 0 {
			t.Errorf("%s: stderr %q", filepath.Base(tt.golden), errs.String())
		}
		if *update {
			if err := os.WriteFile(tt.golden, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), out.String()); diff != "" {
			t.Errorf("%s (-want +got); -update rewrites it:\n%s", filepath.Base(tt.golden), diff)
		}
	}
}

func TestTextNotRun(t *testing.T) {
	var out, errs bytes.Buffer
	r := &Report{NotRun: "the rules could not be loaded"}
	r.Diags.Add(diagPos("rules.yaml", 3, 5), "unknown-key", "unknown key %q", "priorty")
	if err := (Text{Out: &out, Err: &errs}).Report(r); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || errs.String() != "rules.yaml:3:5: unknown key \"priorty\"\n1 error: the rules could not be loaded\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errs.String())
	}
}

func diagPos(file string, line, col int) diag.Pos { return diag.Pos{File: file, Line: line, Col: col} }
