// Package textdiff writes unified diffs of texts: what ruled fmt --diff
// shows of a file it would lay out again, and what ruled test shows of a
// result that differs from its golden file.
//
// It is the only importer of github.com/aymanbagabas/go-udiff, so that the
// diff library is chosen in one place and its types stay here. textdiff is
// a leaf: it imports no other ruled package. Its functions keep no state
// and are safe for concurrent use.
package textdiff
