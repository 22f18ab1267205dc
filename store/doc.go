// Package store defines where the usage of rules is kept: uses per coupon
// code and per customer, campaign budgets, generated coupon codes and the
// placed orders that moved them. Rules stay files; this is the only state
// ruled shares between requests and between replicas.
//
// store holds the interface and the values it exchanges; store/sqlite
// (embedded, the default) and store/postgres (many replicas, one
// database) implement it over store/sqldb. store imports no database
// driver and nothing of the engine, loader or server. Implementations are
// safe for concurrent use.
package store
