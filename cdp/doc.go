// Package cdp is ruled's client of Adobe Experience Platform, the customer
// data platform behind Real-Time CDP audiences: it gets a server-to-server
// OAuth token from Adobe IMS (client credentials), lists the audiences of a
// sandbox through the Segmentation Service's /audiences endpoint, page by
// page, reads which of them a destination dataflow activates (the Flow
// Service's /flows/{id} segment selectors), and turns them into ruled's
// audience registry (Merge).
//
// It follows the documented request and response shapes: the token request
// is a form POST of grant_type=client_credentials, client_id, client_secret
// and scope, answered with access_token and expires_in; every Platform call
// carries Authorization: Bearer, x-api-key (the client id),
// x-gw-ims-org-id and x-sandbox-name, and a listing answers
// {"children": [...], "_page": {"totalCount", "pageSize", "next"}}.
// A token is reused until shortly before it expires, and fetched again when
// Platform says it is no longer valid (401). 429 waits for Retry-After, 5xx
// and network failures are retried with exponential backoff and jitter, a
// bounded number of times; everything else is an *Error saying what is
// wrong (bad secret, wrong organization, missing scope or permission,
// network), never with the secret in it.
//
// cdp sits below the command line and beside the engine: it imports rules
// (for Merge) and the standard library only, knows nothing of HTTP serving,
// files or YAML, and must not import the server, the loader or the engine.
//
// Concurrency: a Client is safe for concurrent use; its token is guarded by
// a mutex. Merge is a pure function.
package cdp
