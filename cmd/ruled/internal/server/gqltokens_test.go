package server

import "testing"

// TestTokensAfterBlockStrings: a block string that spans lines is one token
// at the line and column where it starts, and the tokens after it are
// placed on the lines that follow (a fuzzed document once sliced the line
// backwards here and panicked).
func TestTokensAfterBlockStrings(t *testing.T) {
	doc := "{ a(x: \"\"\"first\nsecond\n  third\"\"\", y: 12) }"
	toks := gqlTokens(doc)
	want := map[string][2]int{"\"\"\"first\nsecond\n  third\"\"\"": {1, 8}, "y": {3, 13}, "12": {3, 16}}
	seen := 0
	for _, tk := range toks {
		if w, ok := want[tk.text]; ok {
			seen++
			if tk.line != w[0] || tk.col != w[1] {
				t.Errorf("%q at %d:%d, want %d:%d", tk.text, tk.line, tk.col, w[0], w[1])
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d tokens in %+v", seen, len(want), toks)
	}
}
