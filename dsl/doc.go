// Package dsl is ruled's condition language: the participle grammar, the
// type checker that knows every field and audience, the lowering to expr,
// and explanations of why a condition was false.
//
// A condition is parsed and checked once, when rules load; errors are byte
// offsets into the condition's text, with messages for merchandisers and a
// "did you mean" for misspelled fields, functions and audiences. Checked
// conditions are lowered to expr code and compiled against Env with expr's
// static type checking, so nothing is parsed per request. Numbers are exact
// fixed-point integers (see Scale), never floats; strings are folded so that
// comparisons ignore case, as Magento's do.
//
// dsl also owns the .rules authoring format (rulefile*.go) and canonical
// formatting (format*.go): ParseRules reads declarations into the rule model
// with positions and friendly diagnostics, FormatRules and PrintRules write
// .rules text, FormatCondition writes a condition canonically.
//
// dsl is the only importer of participle and expr; their types do not
// appear in its API. It imports rules, diag and money. A Program is immutable and
// safe for concurrent use; a Machine is not (keep one per goroutine).
package dsl
