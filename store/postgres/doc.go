// Package postgres is the usage store for many ruled replicas sharing one
// PostgreSQL database. Limits hold exactly under concurrency: a claim is
// a conditional UPDATE, which locks the counter row and re-reads it
// before deciding, so two replicas racing for the last use cannot both
// get it.
//
// It is the only importer of github.com/jackc/pgx. Safe for concurrent use.
package postgres
