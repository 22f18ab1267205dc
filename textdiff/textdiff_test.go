package textdiff

import (
	"fmt"
	"testing"
)

func TestUnified(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"a line changed", "a\nb\nc\n", "a\nB\nc\n", "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"a line added at the end", "a\n", "a\nb\n", "--- old\n+++ new\n@@ -1 +1,2 @@\n a\n+b\n"},
		{"no newline at the end", "a", "b", "--- old\n+++ new\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified("old", "new", tt.old, tt.new); got != tt.want {
				t.Errorf("Unified:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func ExampleUnified() {
	fmt.Print(Unified("price.rules.orig", "price.rules", "rule a {\n  discount 10%\n}\n", "rule a {\n  discount 15%\n}\n"))
	// Output:
	// --- price.rules.orig
	// +++ price.rules
	// @@ -1,3 +1,3 @@
	//  rule a {
	// -  discount 10%
	// +  discount 15%
	//  }
}
