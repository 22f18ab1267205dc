// Package storetest is the conformance suite every store.Store
// implementation runs against a real database: the same behaviour, and
// limits exact under concurrency, on SQLite and PostgreSQL alike. It is
// imported by tests only.
package storetest
