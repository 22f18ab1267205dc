package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ruled/ruled/money"
)

// Store keeps the usage of rules: uses per coupon code and per customer,
// budgets spent, generated codes, and the orders that moved them. Every
// method is safe for concurrent use, also from several processes sharing
// one database where the implementation allows it (store/postgres).
type Store interface {
	// Usage reads the counters of a rule for one code and one customer
	// ("" for none): what evaluation compares with the rule's limits.
	Usage(ctx context.Context, rule, code, customer string) (Usage, error)
	// RuleOf returns the rule a generated code belongs to; ok is false
	// when the code is not in any pool. code is folded by the caller.
	RuleOf(ctx context.Context, code string) (rule string, ok bool, err error)
	// Place records an order and its claims in one transaction, each
	// claim's counters moved only while under its limits. When one would
	// go over, nothing is recorded and the error is a *LimitError. An
	// order id seen before answers the first order's Result and replay
	// true, counting nothing again.
	Place(ctx context.Context, o Order) (result []byte, replay bool, err error)
	// Cancel gives back the uses and budget of a placed order. It reports
	// false when the order is unknown; cancelling twice gives back once.
	Cancel(ctx context.Context, orderID string) (bool, error)
	// AddCodes adds codes to a rule's generated pool in one transaction;
	// a code already in any pool fails the whole call with ErrCodeTaken.
	AddCodes(ctx context.Context, rule string, codes []Code) error
	// Codes lists a rule's generated codes with their use counts, by code.
	Codes(ctx context.Context, rule string) ([]CodeUse, error)
	// RuleUsage sums a rule's placed orders.
	RuleUsage(ctx context.Context, rule string) (Usage, error)
	// Ping reports whether the database answers a query (nil) or not.
	Ping(ctx context.Context) error
	// Migrate applies the migrations not yet applied; never destructive.
	Migrate(ctx context.Context) (applied []int, err error)
	Close() error
}

// Usage is what was counted for a rule.
type Usage struct {
	CouponUses   int           // orders that used the code
	CustomerUses int           // orders of the customer the rule applied to
	Redemptions  int           // orders the rule applied to
	Discount     money.Decimal // total discount given
}

// Order is one placement: its id (the idempotency key), who placed it,
// what each applied rule claims, and the answer to give to a replay.
type Order struct {
	ID       string
	Customer string // "" for a guest
	Claims   []Claim
	Result   []byte
}

// Claim is what one applied rule takes from its limits.
type Claim struct {
	Rule     string
	Code     string        // folded code the rule applied with; "" none
	Discount money.Decimal // the discount the rule gave this order
	Limits   Limits
}

// Limits are a rule's caps, copied from its definition; 0 is no cap.
type Limits struct {
	UsesPerCoupon     int
	UsesPerCustomer   int
	BudgetAmount      money.Decimal
	BudgetRedemptions int
}

// Code is a coupon code for a generated pool: Code folded for matching,
// Display as shown to shoppers.
type Code struct {
	Code, Display string
}

// CodeUse is a generated code with its use count.
type CodeUse struct {
	Code    string
	Display string
	Uses    int
	Created time.Time
}

// Limit kinds, in LimitError.Kind.
const (
	LimitCoupon      = "uses_per_coupon"
	LimitCustomer    = "uses_per_customer"
	LimitRedemptions = "budget.redemptions"
	LimitAmount      = "budget.amount"
)

// LimitError says which limit a placement would have gone over.
type LimitError struct {
	Rule, Kind string
	Code       string
	Limit      string // the cap, as written
}

func (e *LimitError) Error() string {
	switch e.Kind {
	case LimitCoupon:
		return fmt.Sprintf("rule %s: coupon %s used %s of %s times", e.Rule, e.Code, e.Limit, e.Limit)
	case LimitCustomer:
		return fmt.Sprintf("rule %s: the customer used it %s of %s times", e.Rule, e.Limit, e.Limit)
	case LimitRedemptions:
		return fmt.Sprintf("rule %s: budget of %s redemptions spent", e.Rule, e.Limit)
	}
	return fmt.Sprintf("rule %s: budget of %s spent", e.Rule, e.Limit)
}

// ErrCodeTaken is returned by AddCodes for a code already in a pool.
var ErrCodeTaken = errors.New("coupon code already exists")

// ErrUnavailable wraps failures to reach the database, so that callers
// can answer 503 rather than 500.
var ErrUnavailable = errors.New("usage store unavailable")
