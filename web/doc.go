// Package web is ruled's dashboard: the server-rendered pages that show
// people what the rule set in service holds — the audience registry with the
// rules and blocks that use each audience, the rules and blocks with their
// status and how often they applied, a playground that prices a cart through
// the public REST API, and the reload status with every diagnostic.
//
// The dashboard is read-only by design: the rule files stay the source of
// truth, and every rule and block shows the file and line to edit. Pages are
// html/template documents with their templates, stylesheet and scripts
// embedded (embed), so the dashboard works offline and needs no build step;
// the scripts only enhance pages that already work without them, except the
// playground, which calls POST /v1/cart/evaluate as any client would.
//
// web sits beside the HTTP server that mounts it (cmd/ruled/internal/server)
// and below it: it imports engine, rules, money and diag, and must not import
// the server, the loader, YAML, fsnotify or any third-party module. It learns
// everything through Options: the generation in service, the reload status
// and the rule counters, each read once per request.
//
// Concurrency: the handler New returns is safe for concurrent use. It holds
// only its parsed templates, which are immutable; every request loads the
// generation in service once and renders from it, so a page never mixes two
// rule sets.
package web
