package diag

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFprint(t *testing.T) {
	tests := []struct {
		name string
		d    Diagnostic
		want string
	}{
		{
			name: "caret under the column",
			d:    Diagnostic{Pos: Pos{File: "a.yaml", Line: 3, Col: 11}, Code: "unknown-field", Message: `unknown field "cart.subtotl"`, Source: "    when: cart.subtotl > 1"},
			want: "a.yaml:3:11: unknown field \"cart.subtotl\"\n" +
				"        when: cart.subtotl > 1\n" +
				"              ^\n",
		},
		{
			// Tabs before the column are copied, so the caret lines up at
			// any tab width.
			name: "tabs",
			d:    Diagnostic{Pos: Pos{File: "a.rules", Line: 2, Col: 7}, Message: "unknown setting", Source: "\t\twhen foo"},
			want: "a.rules:2:7: unknown setting\n" +
				"    \t\twhen foo\n" +
				"    \t\t    ^\n",
		},
		{
			// Columns count runes: "é" and "€" take one column each.
			name: "multibyte runes",
			d:    Diagnostic{Pos: Pos{File: "a.yaml", Line: 1, Col: 12}, Message: "unknown audience", Source: `name: "Café €" x`},
			want: "a.yaml:1:12: unknown audience\n" +
				`    name: "Café €" x` + "\n" +
				"               ^\n",
		},
		{
			name: "column past the end of the line",
			d:    Diagnostic{Pos: Pos{File: "a.yaml", Line: 1, Col: 40}, Message: "want a value", Source: "a: ["},
			want: "a.yaml:1:40: want a value\n" +
				"    a: [\n" +
				"        ^\n",
		},
		{
			name: "warning",
			d:    Diagnostic{Pos: Pos{File: "a.yaml", Line: 1, Col: 1}, Severity: Warning, Message: "rule expired", Source: "- id: x"},
			want: "a.yaml:1:1: warning: rule expired\n" +
				"    - id: x\n" +
				"    ^\n",
		},
		{
			name: "no source, no caret",
			d:    Diagnostic{Pos: Pos{File: "a.yaml", Line: 4, Col: 2}, Message: "m"},
			want: "a.yaml:4:2: m\n",
		},
		{
			name: "whole file",
			d:    Diagnostic{Pos: Pos{File: "tests"}, Message: "cannot read"},
			want: "tests: cannot read\n",
		},
		{
			name: "no position",
			d:    Diagnostic{Message: "nothing"},
			want: "-: nothing\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			Fprint(&b, List{tt.d})
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSort(t *testing.T) {
	at := func(file string, line, col int) Pos { return Pos{File: file, Line: line, Col: col} }
	var l List
	l.Add(at("b.yaml", 1, 1), "x", "in b")
	l.Add(at("a.yaml", 10, 1), "x", "line 10")
	l.Add(at("a.yaml", 2, 5), "x", "col 5")
	l.Add(at("a.yaml", 2, 3), "missing-field", "test case has no name")
	l.Warn(at("a.yaml", 2, 3), "missing-field", "test case has no name")
	l.Add(at("a.yaml", 2, 3), "missing-field", "test case has no cart")
	// The same problem found twice: once is enough.
	l.Add(at("a.yaml", 2, 3), "missing-field", "test case has no name")
	l.Add(at("a.yaml", 1, 1), "", "free text")
	l.Add(at("a.yaml", 1, 1), "", "free text")
	l.Add(at("a.yaml", 1, 1), "other", "free text")
	l.Sort()
	var got []string
	for _, d := range l {
		got = append(got, d.Code+" "+d.Error())
	}
	want := []string{
		" a.yaml:1:1: free text",
		"other a.yaml:1:1: free text",
		"missing-field a.yaml:2:3: test case has no cart",
		"missing-field a.yaml:2:3: test case has no name",
		"missing-field a.yaml:2:3: warning: test case has no name",
		"x a.yaml:2:5: col 5",
		"x a.yaml:10:1: line 10",
		"x b.yaml:1:1: in b",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if l.Errors() != 7 || !l.HasErrors() {
		t.Errorf("Errors() = %d, HasErrors() = %t; want 7, true", l.Errors(), l.HasErrors())
	}
}

func TestMerge(t *testing.T) {
	var loaded, compiled List
	loaded.Add(Pos{File: "ruled.yaml", Line: 1, Col: 11}, "unknown-timezone", "unknown time zone \"Mars/Base\" (loader)")
	compiled.Add(Pos{File: "rules.yaml", Line: 4, Col: 9}, "unknown-field", "unknown field")
	compiled.Add(Pos{File: "rules.yaml", Line: 4, Col: 9}, "unknown-field", "unknown field")
	compiled.Warn(Pos{File: "ruled.yaml", Line: 1, Col: 11}, "unknown-timezone", "a warning is another problem")
	compiled.Add(Pos{File: "ruled.yaml", Line: 1, Col: 11}, "unknown-timezone", "unknown time zone \"Mars/Base\" (engine)")
	got := Merge(loaded, compiled)
	want := "ruled.yaml:1:11: warning: a warning is another problem\nruled.yaml:1:11: unknown time zone \"Mars/Base\" (loader)\nrules.yaml:4:9: unknown field"
	if got.Error() != want {
		t.Errorf("Merge:\n%s\nwant:\n%s", got.Error(), want)
	}
	if len(loaded) != 1 || len(compiled) != 4 {
		t.Error("Merge changed its arguments")
	}
}

func TestErr(t *testing.T) {
	var l List
	l.Warn(Pos{File: "a.yaml"}, "w", "only a warning")
	if l.Err() != nil {
		t.Errorf("warnings only: Err() = %v, want nil", l.Err())
	}
	l.Add(Pos{File: "a.yaml", Line: 2}, "e", "an error")
	var got List
	if err := l.Err(); !errors.As(err, &got) || len(got) != 2 {
		t.Errorf("Err() = %v, want the list", err)
	}
	if want := "a.yaml: warning: only a warning\na.yaml:2: an error"; l.Error() != want {
		t.Errorf("Error() = %q, want %q", l.Error(), want)
	}
}

func TestCompare(t *testing.T) {
	ordered := []Pos{{}, {File: "a"}, {File: "a", Line: 1}, {File: "a", Line: 1, Col: 2}, {File: "a", Line: 2, Col: 1}, {File: "a.yaml"}, {File: "a/x.yaml", Line: 1}}
	for i := range ordered {
		for j := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(ordered[i], ordered[j]); got != want {
				t.Errorf("Compare(%v, %v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 errors", 1: "1 error", 2: "2 errors"} {
		if got := Plural(n, "error"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
