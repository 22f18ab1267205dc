package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ruled/ruled/store/sqldb"
)

// Open connects to the database at dsn (postgres://...) and applies the
// migrations not yet applied.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	cfg, err := pgxConfig(dsn)
	if err != nil {
		return nil, err
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	db := sqldb.New(pool, pool, sqldb.Dialect{
		Dollar:         true,
		Blob:           "BYTEA",
		LockMigrations: "SELECT pg_advisory_xact_lock(7472656)",
		Unavailable:    unavailable,
	})
	if _, err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open store: %w", err), db.Close())
	}
	return db, nil
}

// unavailable reports errors of reaching the server, not of a statement.
func unavailable(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err)
}

func pgxConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return cfg, nil
}
