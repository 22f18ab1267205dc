package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/ruletest"
)

// example is a fenced block of the README.
type example struct {
	line    int    // of its first line in README.md
	lang    string // after the fence: yaml, sh, ...; "" for none
	heading string // the section it is in
	text    string
}

// readmeExamples returns the fenced blocks of README.md, fences indented
// under list items included.
func readmeExamples(t *testing.T) []example {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	var cur *example
	var indent, heading string
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case cur == nil && strings.HasPrefix(line, "#"):
			heading = strings.TrimSpace(strings.TrimLeft(line, "#"))
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			indent = line[:len(line)-len(trimmed)]
			cur = &example{line: i + 2, lang: strings.TrimPrefix(trimmed, "```"), heading: heading}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	return out
}

// output is the first line of an example that shows what ruled prints,
// not what a user writes.
var output = regexp.MustCompile(`^(\S+:\d+:\d+: |FAIL )`)

// declaration is a line that starts a declaration of the .rules language.
var declaration = regexp.MustCompile(`(?m)^(rule|audience|placement|block) \S`)

// TestReadmeExamples loads every rule and test-case example of the README
// with the demo store, so that the documentation cannot rot: rule files
// (YAML and .rules) are checked as ruled check does, conditions are
// compiled in when: or action.items:, test cases are run and must meet
// their expectations. The examples are the demo's own rules, so ids they
// share with the demo are expected duplicates; every other problem fails.
func TestReadmeExamples(t *testing.T) {
	var ruleFiles, conditions, cases []example
	for _, ex := range readmeExamples(t) {
		first, _, _ := strings.Cut(strings.TrimSpace(ex.text), "\n")
		switch {
		case ex.lang == "sh" || ex.lang == "json" || output.MatchString(first):
			// Commands, the cart contract, and what ruled prints.
		case ex.lang == "markdown":
			// An excerpt of a ruled diff report: every line is in the golden.
			checkExcerpt(t, ex, "../../whatif/testdata/report.golden.md")
		case ex.lang == "yaml" && strings.HasPrefix(first, "# yaml-language-server:"):
			// An editor's directive.
		case ex.lang == "yaml" && regexp.MustCompile(`^(membership|guardrails):`).MatchString(first):
			// A part of ruled.yaml: it must load without a problem.
			if _, diags := loader.LoadFS(fstest.MapFS{"ruled.yaml": {Data: []byte(ex.text)}}, "."); len(diags) > 0 {
				t.Errorf("README.md:%d: ruled.yaml example:\n%v", ex.line, diags)
			}
		case ex.lang == "yaml" && (strings.HasPrefix(first, "cases:") || strings.HasPrefix(first, "- name:")):
			cases = append(cases, ex)
		case ex.lang == "yaml" && regexp.MustCompile(`(?m)^(cart_rules|placements|blocks):`).MatchString(ex.text):
			ruleFiles = append(ruleFiles, ex)
		case ex.lang == "" && declaration.MatchString(ex.text):
			ex.lang = "rules"
			ruleFiles = append(ruleFiles, ex)
		case ex.lang == "" && ex.heading == "The condition language":
			conditions = append(conditions, ex)
		default:
			t.Errorf("README.md:%d: an example this test does not know how to check: teach it", ex.line)
		}
	}
	if len(ruleFiles) < 4 || len(conditions) != 1 || len(cases) < 2 {
		t.Fatalf("found %d rule files, %d condition lists, %d test-case lists in README.md", len(ruleFiles), len(conditions), len(cases))
	}
	for _, ex := range ruleFiles {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			dir := demoCopy(t)
			// Beside the demo's blocks, where content/holiday-hero.html is.
			file := fmt.Sprintf("blocks/readme-%d.%s", ex.line, ex.lang)
			checkExample(t, dir, file, ex.text, ex.line)
		})
	}
	t.Run("conditions", func(t *testing.T) { checkConditions(t, conditions[0]) })
	for _, ex := range cases {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			text := ex.text
			if !strings.HasPrefix(text, "cases:") {
				text = "cases:\n" + text
			}
			runCases(t, ex.line, text)
		})
	}
}

// demoCopy copies the demo store to a temporary directory.
func demoCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../testdata/demo")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkExample writes an example as file in the demo copy dir and checks
// the whole project: the only problems allowed are ids the example shares
// with the demo.
func checkExample(t *testing.T, dir, file, text string, line int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(file)), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.ToSlash(filepath.Join(dir, file))
	for _, d := range b.Diags {
		inExample := d.Pos.File == name
		if strings.HasPrefix(d.Code, "duplicate-") && inExample != strings.Contains(d.Message, name) {
			continue // one definition in the example, the other in the demo
		}
		if d.Severity == diag.Warning && !inExample {
			continue // the demo's own warnings (last season's rules)
		}
		t.Errorf("README.md:%d: %s", line, strings.ReplaceAll(d.Error(), dir+"/", ""))
	}
}

// checkConditions compiles every line of the condition list, in when: or,
// when it speaks of one line (item), in action.items:.
func checkConditions(t *testing.T, ex example) {
	var conds []string
	for _, line := range strings.Split(strings.TrimSpace(ex.text), "\n") {
		if c, _, _ := strings.Cut(line, "#"); strings.TrimSpace(c) != "" {
			conds = append(conds, strings.TrimSpace(c))
		}
	}
	var b strings.Builder
	b.WriteString("cart_rules:\n")
	for i, c := range conds {
		field := "when: "
		if regexp.MustCompile(`^item\.|[^(,] item\.`).MatchString(c) && !strings.Contains(c, "(items,") {
			field = "action: {type: by_percent, amount: 1, items: "
		}
		q := fmt.Sprintf("%q", c)
		if strings.HasPrefix(field, "action") {
			fmt.Fprintf(&b, "  - id: readme-%d\n    name: README condition %d\n    %s%s}\n", i, i, field, q)
		} else {
			fmt.Fprintf(&b, "  - id: readme-%d\n    name: README condition %d\n    %s%s\n    action: {type: by_percent, amount: 1}\n", i, i, field, q)
		}
	}
	if len(conds) < 10 {
		t.Fatalf("only %d conditions in README.md:%d", len(conds), ex.line)
	}
	checkExample(t, demoCopy(t), "rules/readme-conditions.yaml", b.String(), ex.line)
}

// runCases runs test cases written in the README against the demo: they
// must load and meet their expectations (they have no golden file).
func runCases(t *testing.T, line int, text string) {
	t.Helper()
	dir := demoCopy(t)
	file := filepath.Join(dir, "tests", fmt.Sprintf("readme-%d.test.yaml", line))
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := load(dir)
	if err != nil || b.Program == nil {
		t.Fatalf("the demo does not load: %v %v", err, b.Diags)
	}
	suite, diags := loader.LoadTests(file)
	r := ruletest.Run(b.Program, suite, ruletest.Options{})
	for _, d := range append(diags, r.Diags...) {
		t.Errorf("README.md:%d: %s", line, d.Error())
	}
	if len(r.Cases) == 0 {
		t.Fatalf("README.md:%d: no test case", line)
	}
	for _, c := range r.Cases {
		for _, f := range c.Failures {
			if f.Code != ruletest.CodeGoldenMissing {
				t.Errorf("README.md:%d: case %q: %s %s", line, c.Name, f.Code, f.Message)
			}
		}
	}
}

// checkExcerpt fails for every line of ex that golden does not hold.
func checkExcerpt(t *testing.T, ex example, golden string) {
	t.Helper()
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range strings.Split(strings.TrimSpace(ex.text), "\n") {
		if line != "" && !slices.Contains(lines, line) {
			t.Errorf("README.md:%d: %s does not hold %q", ex.line+i, golden, line)
		}
	}
}
