// Package corpus owns recorded carts: the NDJSON files what-if runs read
// (one cart per line, exactly as POST /v1/cart/evaluate takes it, plain or
// gzip), writing them with size and age rotation, and recording the carts a
// server prices off the request path (sampling, a bounded queue, a counter
// of dropped samples, personal data removed).
//
// A corpus line is the cart JSON contract (see engine.DecodeCart) plus the
// fields the evaluate endpoint takes beside it (placements, visitor_id,
// view) and one corpus field, id, naming the cart in reports; without it a
// cart is named file:line.
//
// corpus sits beside the server, above the engine: it imports engine for the
// cart model and nothing of HTTP, YAML or the loader. Readers and Writers are
// for one goroutine each; a Recorder is safe for concurrent use and never
// blocks its callers.
package corpus
