// Package engine compiles a rule set into an immutable Program and evaluates
// carts against it with Magento 2.4's cart price rule semantics, as
// docs/semantics.md states them (with every place ruled departs from
// Magento, and worked examples a test runs).
//
// Evaluation runs in fixed stages: candidate rules (enabled, website,
// customer group, date window, coupon), in order of priority then id; their
// conditions, once, on the cart as it arrived; the lines each rule's action
// selects; then the discount arithmetic (calc.go), to the currency's minor
// unit with Magento's delta rounding. The item order each rule loops in is
// Magento's Validator::sortItemsByPriority over every candidate rule.
//
// Two walks do this and give the same Result. The indexed walk
// (indexed.go, index.go) reads only the rules the program's index lists for
// the cart (by coupon, audience, and the categories, SKUs and attributes of
// its lines) and evaluates each distinct clause and line condition once,
// natively where it can; it records nothing only an explanation reads. The
// walk over every rule (plain.go) answers Options.Explain with every
// rule's reason, and is the oracle the indexed walk is tested against.
//
// Carts arrive as JSON (cartjson.go): a body is parsed once into an
// immutable tape (ParseJSON) that the cart contract's checks, and a server
// reading its own members beside the cart's, walk without parsing again.
// Tapes are pooled (JSON.Release) and read the body in place; a decoded
// cart copies its strings out, so it outlives both.
// The engine is the only importer of github.com/go-json-experiment/json,
// whose jsontext tokenizer reads the bodies (cartjson_parse.go).
//
// engine sits above dsl, rules, money and diag and never imports files, YAML,
// fsnotify or net/http. A Program is immutable once compiled and safe for
// concurrent use; evaluations share nothing but the Program. Hold the live
// Program in a Live (an atomic pointer) and swap it whole on reload.
package engine
