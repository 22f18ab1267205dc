// Package diag holds source positions and diagnostics: the contract by which
// every layer of ruled reports a problem in a rule file.
//
// A Diagnostic is printed as "file:line:col: message", followed by the source
// line and a caret under the column. Positions always point into the file the
// merchandiser wrote, never into generated text.
//
// diag is a leaf: it imports only the standard library. Its values are
// immutable once built and safe to share between goroutines.
package diag
