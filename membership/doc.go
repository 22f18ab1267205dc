// Package membership decodes the segment membership that Adobe Real-Time CDP
// pushes with a shopper's request: the aep-segments-membership cookie on Luma
// storefronts, or the header of the same name on headless GraphQL calls.
//
// The value is a percent-encoded list of segment ids, either comma-separated
// or as a JSON array of strings. Decode turns it into a clean list of ids
// (trimmed, no empties, no duplicates, first-seen order) that the engine
// matches against the audience registry, or into an *Error that says what is
// wrong with it.
//
// membership sits beside the engine, at the edge where requests come in: the
// HTTP and GraphQL layers call it and put the ids in engine.Cart.Segments.
// It imports only the standard library and must not import any other ruled
// package. Its functions are pure and safe for concurrent use; the package
// holds no state.
package membership
