// Package sqlite is the embedded usage store: a SQLite file in WAL mode,
// through a pure-Go driver, so that ruled needs nothing else installed.
// It is safe for one server process: writes go through one connection,
// one transaction at a time, reads through others.
//
// It is the only importer of modernc.org/sqlite. Safe for concurrent use.
package sqlite
