package rules

import (
	"testing"

	"github.com/ruled/ruled/diag"
)

// TestPosAtInsideRune: every byte of a multi-byte rune is at the rune's
// column, and a column past the text keeps counting bytes.
func TestPosAtInsideRune(t *testing.T) {
	e := Expr{Text: "a\U00099313b", Pos: diag.Pos{Line: 1, Col: 10}}
	for off, want := range []int{10, 11, 11, 11, 11, 12, 13, 14} {
		if got := e.PosAt(off).Col; got != want {
			t.Errorf("PosAt(%d).Col = %d, want %d", off, got, want)
		}
	}
}
