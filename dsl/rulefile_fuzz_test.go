package dsl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/diag"
)

// rulesSeeds are the .rules files of the golden tests and the demo store,
// and the inputs of the unit tests.
func rulesSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/fmt/*.rules")
	demo, _ := filepath.Glob("../testdata/demo/*/*.rules")
	for _, file := range append(files, demo...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		everyField, everyBlockField,
		"block b \"B\" in p {\n  data {\"a\": [1,\n 2]}\n}\n", "block b \"B\" in p {\n  data {\n}\n",
		"placement p \"P\" {\n  rotation random\n  limit 2\n}\n",
		"rule a \"A\" { discount 10% }",
		"rule a \"A\" {\n  when a.b == 1 and\n    c.d == 2\n  discount 1%\n}\n",
		"rule a \"A\" {\n  when any(items,\n  discount 1%\n}\n",
		"rule a \"A {\n}\n", "}", "{", "rule", "when", "audience x", "# c",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseRules checks that no input makes the .rules parser panic, that
// every problem has a code, a lower-case message and a position in the
// file, and that every byte of every condition maps into the file.
func FuzzParseRules(f *testing.F) {
	rulesSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, diags := ParseRules("f.rules", data)
		if doc == nil {
			t.Fatal("nil Doc")
		}
		for _, d := range diags {
			if d.Code == "" || d.Message == "" || len(d.Message) > 1000 {
				t.Fatalf("bad diagnostic: %+v", d)
			}
			if r, _ := utf8.DecodeRuneInString(d.Message); unicode.IsUpper(r) {
				t.Errorf("message starts upper-case: %q", d.Message)
			}
			if d.Code != "file-too-large" && (d.Pos.Line < 1 || d.Pos.Line > len(doc.Lines)+1 || d.Pos.Col < 1) {
				t.Fatalf("position %s outside the file (%d lines): %s", d.Pos, len(doc.Lines), d.Message)
			}
		}
		for _, r := range doc.CartRules {
			for _, e := range []string{"when", "items"} {
				x := r.When
				if e == "items" {
					x = r.Action.Items
				}
				for i := range len(x.Text) {
					p := x.PosAt(i)
					if p.Line < 1 || p.Line > len(doc.Lines) || p.Col < 1 || p.Col > utf8.RuneCountInString(doc.Lines[p.Line-1])+1 {
						t.Fatalf("rule %q %s: byte %d at %s, outside the file", r.ID, e, i, p)
					}
				}
			}
		}
	})
}

// FuzzFormat checks that formatting is idempotent and keeps the meaning:
// the formatted file reads as the same model, with the same kinds of
// problems; and that FormatRules refuses exactly the files whose shape
// ParseRules cannot read.
func FuzzFormat(f *testing.F) {
	rulesSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, diags := FormatRules("f.rules", data)
		_, parsed := ParseRules("f.rules", data)
		if diags.HasErrors() {
			if out != nil || !slices.ContainsFunc(parsed, func(d diag.Diagnostic) bool { return d.Code == diags[0].Code }) {
				t.Fatalf("FormatRules refused (%v) what ParseRules read (%v)", diags, parsed)
			}
			return
		}
		again, more := FormatRules("f.rules", out)
		if more.HasErrors() {
			t.Fatalf("formatted file does not parse: %v\n%s", more, out)
		}
		if diff := cmp.Diff(string(out), string(again)); diff != "" {
			t.Fatalf("not idempotent (-first +second):\n%s\ninput:\n%s", diff, data)
		}
		a, la := ParseRules("a.rules", data)
		b, lb := ParseRules("b.rules", out)
		if diff := cmp.Diff(a.Audiences, b.Audiences, modelOpts); diff != "" {
			t.Fatalf("audiences changed (-before +after):\n%s\nformatted:\n%s", diff, out)
		}
		if diff := cmp.Diff(a.CartRules, b.CartRules, modelOpts); diff != "" {
			t.Fatalf("rules changed (-before +after):\n%s\nformatted:\n%s", diff, out)
		}
		ca, cb := diagCodes(la), diagCodes(lb)
		slices.Sort(ca)
		slices.Sort(cb)
		if diff := cmp.Diff(ca, cb); diff != "" {
			t.Fatalf("problems changed (-before +after):\n%s\nformatted:\n%s", diff, out)
		}
		if strings.Count(string(data), "#") < strings.Count(string(out), "#") {
			t.Fatalf("comments appeared:\n%s", out)
		}
	})
}
