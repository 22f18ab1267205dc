// Package sqldb is the store.Store over database/sql that store/sqlite and
// store/postgres share: the schema, its migrations and every transaction,
// written once in SQL both databases run. Limits hold by conditional
// updates (UPDATE ... WHERE uses < limit, checking the rows it changed),
// which PostgreSQL makes exact under concurrency by locking the row and
// re-reading it, and SQLite by running one writer at a time.
//
// It imports no driver: its callers open the *sql.DB. Safe for concurrent
// use.
package sqldb
