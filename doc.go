// Package ruled is the root of the ruled module: a promotion engine whose
// cart price rules, audiences and dynamic blocks are written as files (see
// README.md). It holds no code; its test keeps the layers of the module
// pointing inward, as every package's doc.go states:
//
//	cmd/ruled -> cmd/ruled/internal/server, ruletest, loader -> engine -> dsl -> rules -> money, diag
//
// membership, diag and money are leaves. Each third-party module has one
// home package, named in that package's doc.go.
package ruled
