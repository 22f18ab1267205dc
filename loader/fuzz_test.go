package loader

import (
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// FuzzLoad feeds arbitrary bytes to the loader as one rule file of an
// otherwise valid project. Whatever the bytes, LoadFS must not panic, and
// what it returns must hold together: positions inside the files read,
// conditions mapped byte for byte, messages short and lower-case.
func FuzzLoad(f *testing.F) {
	for _, tt := range brokenTests {
		for _, file := range tt.fsys {
			if len(file.Data) <= 4<<10 { // big inputs make fuzzing crawl; the table covers them
				f.Add(file.Data)
			}
		}
	}
	for _, file := range demo {
		f.Add(file.Data)
	}
	f.Add([]byte(head + "    when: |\n      audience(\"VIP\")\n        and cart.subtotal >= 100\n"))
	f.Add([]byte(head + "    when: \"a\\\"b\\u00e9\\\n      c\"\n"))
	f.Add([]byte(head + "    when: >-\n      a and\n\n      b\r\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"ruled.yaml":     {Data: []byte("currency: EUR\n")},
			"audiences.yaml": {Data: []byte("audiences:\n  - id: a1\n    name: VIP\n")},
			"promos/f.yaml":  {Data: data},
		}
		set, diags := LoadFS(fsys, "p")
		if set == nil {
			t.Fatal("nil Set")
		}
		for _, d := range diags {
			checkDiagnostic(t, d, set.Sources)
		}
		for _, r := range set.CartRules {
			checkExpr(t, r.When, set.Sources)
			checkExpr(t, r.Action.Items, set.Sources)
		}
	})
}

func checkDiagnostic(t *testing.T, d diag.Diagnostic, src diag.Sources) {
	t.Helper()
	if d.Code == "" || d.Message == "" {
		t.Errorf("bad diagnostic: code %q, message %q", d.Code, d.Message)
	}
	// Values are quoted shortened everywhere, so no message grows with the
	// input (testdata/fuzz/FuzzLoad/6d99a6a5caa40a19 once did).
	if len(d.Message) > 1000 {
		t.Errorf("message of %d bytes: %.200q...", len(d.Message), d.Message)
	}
	if r, _ := utf8.DecodeRuneInString(d.Message); unicode.IsUpper(r) {
		t.Errorf("message starts upper-case: %q", d.Message)
	}
	checkPos(t, d.Pos, src)
}

func checkExpr(t *testing.T, e rules.Expr, src diag.Sources) {
	t.Helper()
	if e.Offsets != nil && len(e.Offsets) != len(e.Text) {
		t.Fatalf("%d offsets for %d bytes", len(e.Offsets), len(e.Text))
	}
	if e.Text == "" {
		return
	}
	checkPos(t, e.Pos, src)
	for i := range e.Text {
		checkPos(t, e.PosAt(i), src)
	}
}

// checkPos checks that p is the file it names, within its lines.
func checkPos(t *testing.T, p diag.Pos, src diag.Sources) {
	t.Helper()
	if !strings.HasPrefix(p.File, "p/") {
		t.Fatalf("position %s outside the project", p)
	}
	if p.Line == 0 {
		return
	}
	lines, ok := src[p.File]
	if !ok || p.Line > max(len(lines), 1) || p.Col < 1 {
		t.Fatalf("position %s outside its file (%d lines)", p, len(lines))
	}
}
