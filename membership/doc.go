// Package membership reads the segment membership that Adobe Real-Time CDP
// pushes with a shopper's request: the aep-segments-membership cookie on Luma
// storefronts, or the header of the same name on headless GraphQL calls.
//
// Unsigned, the value is a percent-encoded list of segment ids, either
// comma-separated or as a JSON array of strings. Decode turns it into a
// clean list of ids (trimmed, no empties, no duplicates, first-seen order)
// that the engine matches against the audience registry, or into an *Error
// that says what is wrong with it.
//
// Signed, the value is a JWT whose segments claim holds the ids (see
// Verifier): a shopper cannot add an audience to it. Verify never fails; a
// token that is unsigned, expired, tampered with or signed by another key
// is "no membership", with a Status and a reason.
//
// membership sits beside the engine, at the edge where requests come in: the
// HTTP and GraphQL layers call it and put the ids in engine.Cart.Segments.
// It must not import any other ruled package, and it is the only importer
// of github.com/go-jose/go-jose/v4 (no hand-written cryptography). Its
// functions are pure, and a Verifier is immutable: both are safe for
// concurrent use; the package holds no state.
package membership
