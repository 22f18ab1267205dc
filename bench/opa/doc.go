// Package opa is the peer engine of the benchmarks: Open Policy Agent's
// Rego, with a generated project's rules translated into one Rego module
// (one `match contains "<rule id>" if { ... }` body per rule) and queried
// as a prepared query, the way a team that picked OPA for promotions would
// run it in-process. It answers which rules' filters and conditions match
// a cart, as package scan does; it does no discount arithmetic.
//
// Numbers are given to Rego as ruled's conditions see them: fixed-point
// integers (the value × 10,000), so that both sides compare exactly.
// Strings are folded to lower case on both sides, as ruled folds them.
// Instants are Unix seconds.
//
// opa is the only importer of github.com/open-policy-agent/opa in the
// bench module, and imports gen for the structured conditions. An Engine
// is safe for concurrent use (OPA's prepared queries are).
package opa
