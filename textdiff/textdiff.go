package textdiff

import udiff "github.com/aymanbagabas/go-udiff"

// Unified returns the unified diff (3 lines of context) that turns old,
// labelled oldName, into new, labelled newName; "" when they are equal.
// Texts are compared line by line.
func Unified(oldName, newName, old, new string) string {
	diff, err := udiff.ToUnified(oldName, newName, old, udiff.Lines(old, new), udiff.DefaultContextLines)
	if err != nil {
		// Cannot happen: the edits are computed from old itself.
		return ""
	}
	return diff
}
