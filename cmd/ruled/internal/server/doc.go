// Package server is ruled's HTTP service: the REST and GraphQL decision
// APIs (cart prices and the dynamic blocks of placements), the audience,
// rule and block listings, health and status, Prometheus metrics, the
// GraphQL explorer page (files embedded in the binary), and the reload
// bookkeeping behind them (swap the compiled rule set whole, or keep the
// last good one and say why), and the REST API's contract, the OpenAPI
// 3.1 document openapi.json (embedded, served at /openapi.json; its test,
// the only importer of github.com/pb33f/libopenapi and its validator,
// checks real answers against it). Each GraphQL request runs under its own
// budget (GraphQLLimits): evaluations, fields, depth and a deadline. It
// mounts the web dashboard (package web) at /ui, handing it the generation
// in service, the reload status and the rule counters; the pages
// themselves are web's. Handler serves everything on one address;
// PublicHandler (decisions and health) and AdminHandler (everything, behind
// an optional bearer token) split it for ruled serve --admin-addr. A Build's
// Trust decides how far requests are believed about the shopper: signed
// membership (package membership) and whether bodies may state segments
// and the customer group.
//
// It sits between the command (cmd/ruled, which owns flags, signals, the
// file watcher and the compile step it hands in as a CompileFunc) and the
// engine. It is the only package of ruled that implements net/http handlers
// and the only importer of github.com/graph-gophers/graphql-go and
// github.com/prometheus/client_golang; none of their types appear in its
// API. It must not import the loader or fsnotify: what to compile and when
// to reload is the caller's business. Orders (POST /v1/orders) go to the
// usage store through the store interface, never to a database driver.
//
// Concurrency: a Server is safe for concurrent use. The rule set in service
// is an engine.Generation behind an engine.Live; every request loads it once
// and uses it to the end, so a request never mixes two rule sets. Reload
// compiles off the request path on the goroutine that asked for it (the
// CompileFunc bounds any parallelism of its own), runs one reload at a
// time, coalesces the triggers that arrive meanwhile into one more reload,
// and swaps only a program that compiled without errors, with its Trust
// (the membership keys) in one pointer that a request loads once, so that
// it never checks a token with one build's keys and prices with another's;
// a build whose key set changed is a change even when the rule files are
// not (Build.Keys); each stage is
// timed in logs, metrics and /v1/status. A Server holds no package-level
// state: its metrics live in its own registry, with the per-rule series
// bounded (Options.MaxRuleSeries).
package server
