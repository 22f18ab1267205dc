// Package rules is ruled's rule model: audiences, cart price rules and the
// project configuration, as plain data with the source position of every
// field, plus the structural validation every authoring format shares.
//
// rules sits below the engine and above diag and money. It does no I/O and
// knows nothing of YAML, the DSL or expr: the loader fills a Set from files,
// the engine compiles it. A Set is not modified after loading; share it
// read-only between goroutines.
package rules
