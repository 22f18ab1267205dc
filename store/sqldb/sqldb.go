package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/store"
)

// scale is the number of decimal places amounts are kept to, as integers:
// exact in both databases and enough for every ISO 4217 currency.
const scale = 4

// Dialect is what differs between the databases.
type Dialect struct {
	// Dollar numbers parameters $1, $2 (PostgreSQL) instead of ?.
	Dollar bool
	// Blob is the column type of stored answers.
	Blob string
	// LockMigrations, when set, runs first in the migration transaction
	// so that processes starting together migrate one at a time.
	LockMigrations string
	// Unavailable reports whether err means the database cannot be
	// reached (as opposed to a query that is wrong).
	Unavailable func(err error) bool
}

// DB is a store.Store over a database/sql pool.
type DB struct {
	w, r *sql.DB // writes; reads (the same pool unless the caller split them)
	d    Dialect
	now  func() time.Time
}

// New returns the store over w (transactions) and r (reads; may be w).
func New(w, r *sql.DB, d Dialect) *DB {
	return &DB{w: w, r: r, d: d, now: time.Now}
}

var _ store.Store = (*DB)(nil)

// q rewrites ? placeholders for the dialect.
func (db *DB) q(s string) string {
	if !db.d.Dollar {
		return s
	}
	var b strings.Builder
	n := 0
	for _, c := range s {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if db.d.Unavailable != nil && db.d.Unavailable(err) {
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// migrations are applied in order, each once; only ever appended to, and
// never destructive (no DROP, no column removed).
func (db *DB) migrations() []string {
	return []string{
		1: `CREATE TABLE coupon_codes (code TEXT PRIMARY KEY, display TEXT NOT NULL, rule TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX coupon_codes_rule ON coupon_codes (rule);
CREATE TABLE coupon_uses (rule TEXT NOT NULL, code TEXT NOT NULL, uses BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (rule, code));
CREATE TABLE customer_uses (rule TEXT NOT NULL, customer TEXT NOT NULL, uses BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (rule, customer));
CREATE TABLE rule_usage (rule TEXT PRIMARY KEY, redemptions BIGINT NOT NULL DEFAULT 0, discount BIGINT NOT NULL DEFAULT 0);
CREATE TABLE orders (id TEXT PRIMARY KEY, customer TEXT NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0, result ` + db.d.Blob + `, created_at TEXT NOT NULL);
CREATE TABLE order_claims (order_id TEXT NOT NULL, rule TEXT NOT NULL, code TEXT NOT NULL, discount BIGINT NOT NULL, PRIMARY KEY (order_id, rule))`,
	}
}

// Migrate applies the migrations not yet applied, in one transaction.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.wrap("migrate", err)
	}
	defer tx.Rollback()
	if db.d.LockMigrations != "" {
		if _, err := tx.ExecContext(ctx, db.d.LockMigrations); err != nil {
			return nil, db.wrap("migrate: lock", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return nil, db.wrap("migrate", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return nil, db.wrap("migrate", err)
	}
	var applied []int
	ms := db.migrations()
	if have >= len(ms) {
		return nil, nil
	}
	for v := have + 1; v < len(ms); v++ {
		for _, stmt := range strings.Split(ms[v], ";\n") {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return nil, db.wrap(fmt.Sprintf("migrate: version %d", v), err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, db.now().UTC().Format(time.RFC3339)); err != nil {
			return nil, db.wrap("migrate", err)
		}
		applied = append(applied, v)
	}
	return applied, db.wrap("migrate", tx.Commit())
}

// Ping runs a query on the read pool.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.wrap("ping", db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one))
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

func toUnits(d money.Decimal) (int64, error) {
	v, ok := d.Round(scale).Scaled(scale)
	if !ok {
		return 0, fmt.Errorf("amount %s is out of range", d)
	}
	return v, nil
}

// Usage reads a rule's counters for one code and one customer.
func (db *DB) Usage(ctx context.Context, rule, code, customer string) (store.Usage, error) {
	u, err := db.RuleUsage(ctx, rule)
	if err != nil {
		return u, err
	}
	if code != "" {
		if err := db.scanMaybe(ctx, &u.CouponUses, `SELECT uses FROM coupon_uses WHERE rule = ? AND code = ?`, rule, code); err != nil {
			return u, db.wrap("usage", err)
		}
	}
	if customer != "" {
		if err := db.scanMaybe(ctx, &u.CustomerUses, `SELECT uses FROM customer_uses WHERE rule = ? AND customer = ?`, rule, customer); err != nil {
			return u, db.wrap("usage", err)
		}
	}
	return u, nil
}

func (db *DB) scanMaybe(ctx context.Context, dst any, query string, args ...any) error {
	err := db.r.QueryRowContext(ctx, db.q(query), args...).Scan(dst)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// RuleUsage sums a rule's placed orders.
func (db *DB) RuleUsage(ctx context.Context, rule string) (store.Usage, error) {
	var u store.Usage
	var units int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT redemptions, discount FROM rule_usage WHERE rule = ?`), rule).Scan(&u.Redemptions, &units)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, db.wrap("usage", err)
	}
	u.Discount = money.FromScaled(units, scale)
	return u, nil
}

// RuleOf returns the rule of a generated code.
func (db *DB) RuleOf(ctx context.Context, code string) (string, bool, error) {
	var rule string
	err := db.r.QueryRowContext(ctx, db.q(`SELECT rule FROM coupon_codes WHERE code = ?`), code).Scan(&rule)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, db.wrap("coupon lookup", err)
	}
	return rule, true, nil
}

// Place records an order and its claims, each within its limits.
func (db *DB) Place(ctx context.Context, o store.Order) ([]byte, bool, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, db.wrap("place order", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, db.q(`INSERT INTO orders (id, customer, cancelled, result, created_at) VALUES (?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING`),
		o.ID, o.Customer, o.Result, db.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, false, db.wrap("place order", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var first []byte
		if err := tx.QueryRowContext(ctx, db.q(`SELECT result FROM orders WHERE id = ?`), o.ID).Scan(&first); err != nil {
			return nil, false, db.wrap("place order: replay", err)
		}
		return first, true, db.wrap("place order", tx.Commit())
	}
	claims := slices.Clone(o.Claims)
	// One order of locks for every transaction: no deadlocks.
	slices.SortFunc(claims, func(a, b store.Claim) int { return strings.Compare(a.Rule, b.Rule) })
	for _, c := range claims {
		if err := db.claim(ctx, tx, o, c); err != nil {
			return nil, false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, db.wrap("place order", err)
	}
	return o.Result, false, nil
}

// bump adds one to a counter row while it is under limit (0: no limit),
// creating the row first; it reports whether it did.
func (db *DB) bump(ctx context.Context, tx *sql.Tx, table, key string, rule, val string, limit int) (bool, error) {
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO `+table+` (rule, `+key+`, uses) VALUES (?, ?, 0) ON CONFLICT DO NOTHING`), rule, val); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, db.q(`UPDATE `+table+` SET uses = uses + 1 WHERE rule = ? AND `+key+` = ? AND (CAST(? AS BIGINT) = 0 OR uses < CAST(? AS BIGINT))`), rule, val, limit, limit)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (db *DB) claim(ctx context.Context, tx *sql.Tx, o store.Order, c store.Claim) error {
	units, err := toUnits(c.Discount)
	if err != nil {
		return fmt.Errorf("place order: rule %s: %w", c.Rule, err)
	}
	budget, err := toUnits(c.Limits.BudgetAmount)
	if err != nil {
		return fmt.Errorf("place order: rule %s budget: %w", c.Rule, err)
	}
	if c.Code != "" {
		ok, err := db.bump(ctx, tx, "coupon_uses", "code", c.Rule, c.Code, c.Limits.UsesPerCoupon)
		if err != nil {
			return db.wrap("place order", err)
		}
		if !ok {
			return &store.LimitError{Rule: c.Rule, Kind: store.LimitCoupon, Code: c.Code, Limit: strconv.Itoa(c.Limits.UsesPerCoupon)}
		}
	}
	if o.Customer != "" {
		ok, err := db.bump(ctx, tx, "customer_uses", "customer", c.Rule, o.Customer, c.Limits.UsesPerCustomer)
		if err != nil {
			return db.wrap("place order", err)
		}
		if !ok {
			return &store.LimitError{Rule: c.Rule, Kind: store.LimitCustomer, Limit: strconv.Itoa(c.Limits.UsesPerCustomer)}
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO rule_usage (rule, redemptions, discount) VALUES (?, 0, 0) ON CONFLICT DO NOTHING`), c.Rule); err != nil {
		return db.wrap("place order", err)
	}
	res, err := tx.ExecContext(ctx, db.q(`UPDATE rule_usage SET redemptions = redemptions + 1, discount = discount + CAST(? AS BIGINT) WHERE rule = ?
AND (CAST(? AS BIGINT) = 0 OR redemptions < CAST(? AS BIGINT)) AND (CAST(? AS BIGINT) = 0 OR discount + CAST(? AS BIGINT) <= CAST(? AS BIGINT))`),
		units, c.Rule, c.Limits.BudgetRedemptions, c.Limits.BudgetRedemptions, budget, units, budget)
	if err != nil {
		return db.wrap("place order", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap("place order", err)
	} else if n == 0 {
		var redemptions int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT redemptions FROM rule_usage WHERE rule = ?`), c.Rule).Scan(&redemptions); err != nil {
			return db.wrap("place order", err)
		}
		if c.Limits.BudgetRedemptions > 0 && redemptions >= c.Limits.BudgetRedemptions {
			return &store.LimitError{Rule: c.Rule, Kind: store.LimitRedemptions, Limit: strconv.Itoa(c.Limits.BudgetRedemptions)}
		}
		return &store.LimitError{Rule: c.Rule, Kind: store.LimitAmount, Limit: c.Limits.BudgetAmount.String()}
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO order_claims (order_id, rule, code, discount) VALUES (?, ?, ?, ?)`), o.ID, c.Rule, c.Code, units)
	return db.wrap("place order", err)
}

// Cancel gives back what a placed order took, once.
func (db *DB) Cancel(ctx context.Context, id string) (bool, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return false, db.wrap("cancel order", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, db.q(`UPDATE orders SET cancelled = 1 WHERE id = ? AND cancelled = 0`), id)
	if err != nil {
		return false, db.wrap("cancel order", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		err := tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM orders WHERE id = ?`), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, db.wrap("cancel order", err)
	}
	var customer string
	if err := tx.QueryRowContext(ctx, db.q(`SELECT customer FROM orders WHERE id = ?`), id).Scan(&customer); err != nil {
		return false, db.wrap("cancel order", err)
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT rule, code, discount FROM order_claims WHERE order_id = ? ORDER BY rule`), id)
	if err != nil {
		return false, db.wrap("cancel order", err)
	}
	type claim struct {
		rule, code string
		units      int64
	}
	var claims []claim
	for rows.Next() {
		var c claim
		if err := rows.Scan(&c.rule, &c.code, &c.units); err != nil {
			rows.Close()
			return false, db.wrap("cancel order", err)
		}
		claims = append(claims, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, db.wrap("cancel order", err)
	}
	for _, c := range claims {
		stmts := [][]any{{`UPDATE rule_usage SET redemptions = redemptions - 1, discount = discount - CAST(? AS BIGINT) WHERE rule = ?`, c.units, c.rule}}
		if c.code != "" {
			stmts = append(stmts, []any{`UPDATE coupon_uses SET uses = uses - 1 WHERE rule = ? AND code = ?`, c.rule, c.code})
		}
		if customer != "" {
			stmts = append(stmts, []any{`UPDATE customer_uses SET uses = uses - 1 WHERE rule = ? AND customer = ?`, c.rule, customer})
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, db.q(s[0].(string)), s[1:]...); err != nil {
				return false, db.wrap("cancel order", err)
			}
		}
	}
	return true, db.wrap("cancel order", tx.Commit())
}

// AddCodes adds codes to a rule's pool, all or none.
func (db *DB) AddCodes(ctx context.Context, rule string, codes []store.Code) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("add codes", err)
	}
	defer tx.Rollback()
	now := db.now().UTC().Format(time.RFC3339)
	stmt := db.q(`INSERT INTO coupon_codes (code, display, rule, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	for _, c := range codes {
		res, err := tx.ExecContext(ctx, stmt, c.Code, c.Display, rule, now)
		if err != nil {
			return db.wrap("add codes", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("add codes: %s: %w", c.Display, store.ErrCodeTaken)
		}
	}
	return db.wrap("add codes", tx.Commit())
}

// Codes lists a rule's generated codes with their use counts.
func (db *DB) Codes(ctx context.Context, rule string) ([]store.CodeUse, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT c.code, c.display, COALESCE(u.uses, 0), c.created_at FROM coupon_codes c
LEFT JOIN coupon_uses u ON u.rule = c.rule AND u.code = c.code WHERE c.rule = ? ORDER BY c.code`), rule)
	if err != nil {
		return nil, db.wrap("list codes", err)
	}
	defer rows.Close()
	var out []store.CodeUse
	for rows.Next() {
		var c store.CodeUse
		var created string
		if err := rows.Scan(&c.Code, &c.Display, &c.Uses, &created); err != nil {
			return nil, db.wrap("list codes", err)
		}
		c.Created, _ = time.Parse(time.RFC3339, created)
		out = append(out, c)
	}
	return out, db.wrap("list codes", rows.Err())
}
