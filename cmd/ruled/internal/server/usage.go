package server

import (
	"slices"
	"sync"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/web"
)

// ruleUsage counts, for the dashboard, what each rule did since the server
// started: the evaluations it applied in (counted where, and as,
// ruled_rule_applications_total counts them) and the discount it gave, as
// exact sums per currency — money is never a float, so these sums are not
// Prometheus counters.
type ruleUsage struct {
	mu     sync.Mutex
	byRule map[string]*usageCount // guarded by mu
}

type usageCount struct {
	applied  uint64
	discount map[string]money.Decimal // currency code → sum
}

// add counts the rules that applied in res, a cart priced in currency.
func (u *ruleUsage) add(currency money.Currency, res *engine.Result) {
	if len(res.AppliedRules) == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.byRule == nil {
		u.byRule = map[string]*usageCount{}
	}
	for _, a := range res.AppliedRules {
		c := u.byRule[a.ID]
		if c == nil {
			c = &usageCount{discount: map[string]money.Decimal{}}
			u.byRule[a.ID] = c
		}
		c.applied++
		if d, err := money.Parse(a.Discount); err == nil {
			c.discount[currency.Code] = c.discount[currency.Code].Add(d)
		}
	}
}

// snapshot copies the counts for the dashboard, each rule's discounts sorted
// by currency code and written with the currency's digits.
func (u *ruleUsage) snapshot() map[string]web.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[string]web.Usage, len(u.byRule))
	for id, c := range u.byRule {
		wu := web.Usage{Applied: c.applied}
		for code, sum := range c.discount {
			s := sum.String()
			if cur, ok := money.LookupCurrency(code); ok {
				s = cur.Format(sum)
			}
			wu.Discount = append(wu.Discount, web.Amount{Currency: code, Value: s})
		}
		slices.SortFunc(wu.Discount, func(a, b web.Amount) int {
			if a.Currency < b.Currency {
				return -1
			}
			if a.Currency > b.Currency {
				return 1
			}
			return 0
		})
		out[id] = wu
	}
	return out
}
