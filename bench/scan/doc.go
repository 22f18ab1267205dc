// Package scan is the "no index" baseline of the benchmarks: every rule's
// condition, compiled by ruled's condition language (package dsl, which
// lowers to expr), run one after the other against an environment built
// as the engine builds it, after the same website, group, date and coupon
// filters. It answers which rules' conditions match a cart; it does no
// discount arithmetic.
//
// scan imports the rule model, the engine's cart type and dsl; nothing
// imports it but the benchmarks. A Matcher is immutable and safe for
// concurrent use.
package scan
