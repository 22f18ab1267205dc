package engine

import (
	"testing"

	"github.com/ruled/ruled/dsl"
)

// TestTextFold: folding through the buffer gives dsl.Fold's strings, and
// text that needs no folding is not copied.
func TestTextFold(t *testing.T) {
	in := []string{"", "abc", "SKU-01", "US", "Ünïcode SKU", "ǅ", "İstanbul", "ΣΑΣ", "mIxEd-Case_09", "\xff\xfeX"}
	got := make([]string, len(in))
	var tx text
	for i, s := range in {
		tx.fold(&got[i], s)
	}
	tx.flush()
	for i, s := range in {
		if got[i] != dsl.Fold(s) {
			t.Errorf("fold(%q) = %q, want %q", s, got[i], dsl.Fold(s))
		}
	}
	if len(tx.spans) != 0 || len(tx.b) != 0 {
		t.Error("flush left spans or bytes")
	}
}

func FuzzTextFold(f *testing.F) {
	f.Add("SKU-01", "ÄbC")
	f.Fuzz(func(t *testing.T, a, b string) {
		var tx text
		var x, y string
		tx.fold(&x, a)
		tx.fold(&y, b)
		tx.flush()
		if x != dsl.Fold(a) || y != dsl.Fold(b) {
			t.Fatalf("fold(%q, %q) = %q, %q", a, b, x, y)
		}
	})
}
