// Package whatif answers what a rule change does to real carts: it
// evaluates every cart of a corpus against two compiled rule sets (the base
// and the changed one, at the same instant with the same membership), in
// parallel, and reports per rule, per currency, per cart and per placement
// what moved; renderers write the report as text, Markdown (a pull-request
// comment) and JSON.
//
// whatif sits above the engine and the corpus; it never reads rule files
// (the caller compiles both sets) and imports nothing of HTTP or git.
//
// Concurrency: Compare fans the corpus out over worker goroutines that
// share only the two immutable programs; each keeps its own tallies, merged
// at the end, so the report does not depend on the number of workers. A
// Report is plain data.
package whatif
