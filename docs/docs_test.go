// Package docs_test keeps the documents of docs/ honest: every worked
// example of semantics.md is a small rule project written in the document
// itself, and it is loaded, compiled and run as ruled test runs a project,
// so that the numbers the document states are the numbers ruled computes.
package docs_test

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/ruletest"
)

// block is one fenced block of a Markdown document.
type block struct {
	lang  string            // the first word of the info string
	attrs map[string]string // key=value words of the info string
	words map[string]bool   // the other words of the info string ("runnable")
	line  int               // the line of the opening fence
	text  string
}

var attrRE = regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)

// blocks returns the fenced blocks of a Markdown file, in order.
func blocks(t *testing.T, name string) []block {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	var cur *block
	var body strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			info := strings.TrimSpace(strings.TrimPrefix(line, "```"))
			lang, rest, _ := strings.Cut(info, " ")
			cur = &block{lang: lang, attrs: map[string]string{}, words: map[string]bool{}, line: n}
			for _, w := range strings.Fields(attrRE.ReplaceAllString(rest, "")) {
				cur.words[w] = true
			}
			for _, m := range attrRE.FindAllStringSubmatch(rest, -1) {
				cur.attrs[m[1]] = strings.Trim(m[2], `"`)
			}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: fenced block never closed", name, cur.line)
	}
	return out
}

// examples groups the blocks marked example=NAME file=PATH into one small
// rule project per example: NAME -> PATH -> content.
func examples(t *testing.T, name string) (map[string]map[string]string, []string) {
	t.Helper()
	projects := map[string]map[string]string{}
	var order []string
	for _, b := range blocks(t, name) {
		ex, file := b.attrs["example"], b.attrs["file"]
		if ex == "" && file == "" {
			continue
		}
		if ex == "" || file == "" || path.IsAbs(file) || strings.Contains(file, "..") {
			t.Fatalf("%s:%d: an example block needs example=NAME and a relative file=PATH, got %q %q", name, b.line, ex, file)
		}
		if projects[ex] == nil {
			projects[ex] = map[string]string{}
			order = append(order, ex)
		}
		if _, dup := projects[ex][file]; dup {
			t.Fatalf("%s:%d: example %q has %s twice", name, b.line, ex, file)
		}
		projects[ex][file] = b.text
	}
	return projects, order
}

// TestSemanticsExamples runs every worked example of semantics.md: its
// rule files and its test file (whose expect blocks hold the numbers the
// text states) are written to a directory, loaded, compiled and run.
func TestSemanticsExamples(t *testing.T) {
	projects, order := examples(t, "semantics.md")
	if len(order) < 10 {
		t.Fatalf("semantics.md has %d worked examples; expected at least 10 (are the blocks still marked example=NAME file=PATH?)", len(order))
	}
	for _, ex := range order {
		t.Run(ex, func(t *testing.T) {
			files := projects[ex]
			dir := t.TempDir()
			tests := 0
			for name, text := range files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(name, ".test.yaml") {
					tests++
				}
			}
			if tests == 0 {
				t.Fatalf("example %q has no tests/*.test.yaml block: nothing checks its numbers", ex)
			}
			t.Chdir(dir)
			set, diags := loader.Load(".")
			if diags.HasErrors() {
				t.Fatalf("example %q: rules do not load:\n%v", ex, diags)
			}
			prog, diags := engine.Compile(set)
			if diags.HasErrors() {
				t.Fatalf("example %q: rules do not compile:\n%v", ex, diags)
			}
			suite, diags := loader.LoadTests("tests")
			if diags.HasErrors() {
				t.Fatalf("example %q: test file does not load:\n%v", ex, diags)
			}
			rep := ruletest.Run(prog, suite, ruletest.Options{})
			if rep.Diags.HasErrors() {
				t.Fatalf("example %q: %v", ex, rep.Diags)
			}
			if len(rep.Cases) == 0 {
				t.Fatalf("example %q: no case ran", ex)
			}
			for _, c := range rep.Cases {
				for _, f := range c.Failures {
					// The document is the expectation; no golden file is kept.
					if f.Code == ruletest.CodeGoldenMissing {
						continue
					}
					t.Errorf("example %q, case %q: %s: %s %s", ex, c.Name, f.Pos, f.Message, strings.Join(f.Notes, "; "))
				}
			}
		})
	}
}

// TestNoOutsideReferences keeps the repository self-contained: no file
// names a path outside it.
func TestNoOutsideReferences(t *testing.T) {
	root := ".."
	var bad []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", ".ci-artifacts":
				return filepath.SkipDir
			}
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 1<<20 {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range []string{"../shared/", "shared/reference"} {
			if strings.Contains(string(data), s) && !slices.Contains(allowedOutside, filepath.ToSlash(p)) {
				bad = append(bad, fmt.Sprintf("%s mentions %s", p, s))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("files refer outside the repository (cite docs/semantics.md instead):\n%s", strings.Join(bad, "\n"))
	}
}

// allowedOutside are the files that may name paths outside the repository:
// this test, which names what it looks for.
var allowedOutside = []string{"../docs/docs_test.go"}
