// Package bench holds ruled's benchmark harness: Go benchmarks of ruled
// against the plain sequential walk over the same conditions (package
// scan) and a peer engine (package opa), on projects from package gen, and
// the test that all of them agree on which rules match. See README.md for
// what each benchmark measures and how to rerun them; wrk.sh and
// cmd/reloadlat measure ruled serve over HTTP and its reloads.
//
// bench is its own Go module, so that ruled itself never depends on peer
// engines; it only imports ruled's packages.
package bench
