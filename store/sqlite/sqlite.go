package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ruled/ruled/store/sqldb"
)

// Open opens (creating it if needed) the store in the file at path and
// applies the migrations not yet applied.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		if extra != "" {
			q.Set("_txlock", extra)
		}
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// One writer: SQLite serialises writes anyway; queueing them here
	// instead of in its busy handler keeps them in order and quick.
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	db := sqldb.New(w, r, sqldb.Dialect{Blob: "BLOB"})
	if _, err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open store %s: %w", path, err), db.Close())
	}
	return db, nil
}
