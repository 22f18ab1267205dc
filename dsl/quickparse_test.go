package dsl

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// quickCorpus is conditions of every shape: the fuzz seeds, the
// conditions of the repository's rule files, and some written to stress
// positions (lines, comments, non-ASCII text) and the places where
// quickParse must give up.
func quickCorpus(t testing.TB) []string {
	out := append(slices.Clone(compileSeeds),
		"  # leading comment\n  cart.subtotal >= 50 # trailing\n  AND   audience('Énorme ☃')\n",
		"NOT (a OR b) && !c || d", `x not in [1, 2,]`, `x NOT CONTAINS "y"`, `x ends WITH "z"`,
		`a == - 5`, `a == -5.25`, `f()`, `f(a, b or c, [])`, `[]`, `[1]`, `true`, `FALSE == x`,
		"a\n\t.b", `a.in == 1`, `in == 1`, `true(1)`, `a = 1`, `a => 1`, `a & b`, `a == "\n"`,
		`a == "x\"y"`, `a == "caf\xe9"`, `1.x`, `1. == 2`, `a == 1abc`, `a == 'x' and`, `(a`, `a)`,
		`a == "unterminated`, `a $ b`, `a.b.c == d.e`, `x == ((1))`, `not not a`, `! ! a`,
		`count(items, item.qty >= 2) > 1 and any(items, item.price < 10 and "x" in item.categories)`,
	)
	re := regexp.MustCompile(`(?m)^\s*(?:-\s+)?(?:when|items|if|where)\s*:\s*(.+)$`)
	for _, root := range []string{"testdata", "../testdata", "../loader/testdata", "../cmd/ruled/testdata"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				s := strings.TrimSpace(m[1])
				out = append(out, s, strings.Trim(s, `'"`))
			}
			return nil
		})
	}
	return out
}

// TestQuickParseAgrees holds quickParse to participle's trees: wherever it
// gives a tree, participle gives the same one, positions included.
func TestQuickParseAgrees(t *testing.T) {
	quick := 0
	for _, src := range quickCorpus(t) {
		if checkQuickParse(t, src) {
			quick++
		}
	}
	t.Logf("quickParse parsed %d of %d conditions", quick, len(quickCorpus(t)))
	if quick < 40 {
		t.Errorf("quickParse parsed only %d conditions of the corpus", quick)
	}
}

func checkQuickParse(t testing.TB, src string) bool {
	got := quickParse(src)
	if got == nil {
		return false
	}
	want, err := parser.ParseString("", src)
	if err != nil {
		t.Fatalf("quickParse(%q) gave a tree; participle: %v", src, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("quickParse(%q) differs from participle:\n got %s\nwant %s", src, dump(got), dump(want))
	}
	return true
}

func dump(v any) string {
	var b strings.Builder
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(v.Elem())
		case reflect.Struct:
			b.WriteString(v.Type().Name() + "{")
			for i := range v.NumField() {
				f := v.Field(i)
				if f.IsZero() {
					continue
				}
				b.WriteString(v.Type().Field(i).Name + ":")
				walk(f)
				b.WriteString(" ")
			}
			b.WriteString("}")
		case reflect.Slice:
			b.WriteString("[")
			for i := range v.Len() {
				walk(v.Index(i))
				b.WriteString(",")
			}
			b.WriteString("]")
		default:
			fmt.Fprintf(&b, "%q", fmt.Sprint(v.Interface()))
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

// FuzzQuickParse: wherever quickParse gives a tree, participle gives the
// same one.
func FuzzQuickParse(f *testing.F) {
	for _, s := range quickCorpus(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > maxSource {
			return
		}
		checkQuickParse(t, src)
	})
}

// TestQuickLiterals: the literals quickParse leaves to participle when a
// string holds one are every literal of the grammar's tags.
func TestQuickLiterals(t *testing.T) {
	quoted := regexp.MustCompile(`'([^']+)'`)
	for _, v := range []any{Expr{}, And{}, Not{}, Comparison{}, Operator{}, SetOp{}, Operand{}, List{}, Call{}, Path{}, Ident{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			for _, m := range quoted.FindAllStringSubmatch(typ.Field(i).Tag.Get("parser"), -1) {
				if !slices.Contains(literals, m[1]) {
					t.Errorf("%s.%s: literal %q is not in literals", typ.Name(), typ.Field(i).Name, m[1])
				}
			}
		}
	}
}
