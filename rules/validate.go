package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// ValidID reports whether id has the form of a rule id, ^[a-z0-9][a-z0-9._-]*$:
// lower-case, stable, safe in URLs, file names and metric labels. (Written
// out rather than as a regular expression: every rule of every load is
// checked.)
func ValidID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Validate checks the structure of a whole set: required fields, id forms,
// duplicates, amounts that make sense for their action, date windows. It
// does not look inside conditions; the engine compiles those. Every problem
// is reported, at the position of the field that has it.
func Validate(s *Set) diag.List {
	var l diag.List
	if s.Config.Currency != "" {
		if _, ok := money.LookupCurrency(s.Config.Currency); !ok {
			l.Add(s.Config.Fields["currency"], "unknown-currency",
				"unknown currency %s: want an ISO 4217 code such as USD, EUR or JPY", q(s.Config.Currency))
		}
	}
	for site, code := range s.Config.WebsiteCurrencies {
		if _, ok := money.LookupCurrency(code); !ok {
			l.Add(s.Config.Fields["websites."+site], "unknown-currency",
				"unknown currency %s for website %s: want an ISO 4217 code such as USD, EUR or JPY", q(code), q(site))
		}
	}
	validateAudiences(&l, s.Audiences)
	rulePos := func(i int) diag.Pos { return s.CartRules[i].FieldPos("id") }
	first := firsts(len(s.CartRules), func(i int) string { return s.CartRules[i].ID }, rulePos)
	for i := range s.CartRules {
		r := &s.CartRules[i]
		validateRule(&l, r)
		if f, ok := first[r.ID]; ok && f != i {
			l.Add(rulePos(i), "duplicate-rule-id", "duplicate rule id %s: already used at %s", q(r.ID), rulePos(f))
		}
	}
	validateBlocks(&l, s)
	return l
}

// firsts returns, for every non-empty key of n definitions, the index of
// its first definition in reading order (diag.Compare). Files are read in
// walk order, which is not the order their positions sort in (a/x.yaml is
// read before a.yaml), so the order of a Set's slices cannot say which
// definition of a duplicate came first: every later one is reported,
// pointing back at the first.
func firsts(n int, key func(int) string, pos func(int) diag.Pos) map[string]int {
	first := make(map[string]int, n)
	for i := range n {
		k := key(i)
		if k == "" {
			continue
		}
		if f, ok := first[k]; !ok || diag.Compare(pos(i), pos(f)) < 0 {
			first[k] = i
		}
	}
	return first
}

func validateAudiences(l *diag.List, auds []Audience) {
	pos := func(i int, f string) diag.Pos {
		if p, ok := auds[i].Fields[f]; ok {
			return p
		}
		return auds[i].Pos
	}
	idPos := func(i int) diag.Pos { return pos(i, "id") }
	namePos := func(i int) diag.Pos { return pos(i, "name") }
	ids := firsts(len(auds), func(i int) string { return auds[i].ID }, idPos)
	names := firsts(len(auds), func(i int) string { return strings.ToLower(auds[i].Name) }, namePos)
	for i := range auds {
		a := &auds[i]
		if a.ID == "" {
			l.Add(a.Pos, "missing-field", "audience has no id: every audience needs the segment id the customer data platform sends")
		} else if f := ids[a.ID]; f != i {
			l.Add(idPos(i), "duplicate-audience-id", "duplicate audience id %s: already used at %s", q(a.ID), idPos(f))
		}
		if a.Name == "" {
			l.Add(a.Pos, "missing-field", "audience has no name: rules refer to audiences by name")
			continue
		}
		if f := names[strings.ToLower(a.Name)]; f != i {
			l.Add(namePos(i), "duplicate-audience-name", "duplicate audience name %s: already used at %s", q(a.Name), namePos(f))
		}
	}
}

func validateRule(l *diag.List, r *CartRule) {
	switch {
	case r.ID == "":
		l.Add(r.Pos, "missing-field", "cart rule has no id")
	case !ValidID(r.ID):
		l.Add(r.FieldPos("id"), "invalid-id",
			"invalid rule id %s: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", q(r.ID))
	}
	if strings.TrimSpace(r.Name) == "" {
		l.Add(r.Pos, "missing-field", "cart rule %s has no name", q(r.ID))
	}
	for _, w := range r.Websites {
		if strings.TrimSpace(w) == "" {
			l.Add(r.FieldPos("websites"), "invalid-value", "empty website code")
		}
	}
	for _, g := range r.CustomerGroups {
		if strings.TrimSpace(g) == "" {
			l.Add(r.FieldPos("customer_groups"), "invalid-value", "empty customer group")
		}
	}
	for _, c := range r.Coupons {
		if strings.TrimSpace(c) == "" {
			l.Add(r.FieldPos("coupon"), "invalid-value", "empty coupon code")
		}
	}
	validateLimits(l, r)
	if r.Priority < 0 {
		l.Add(r.FieldPos("priority"), "invalid-value", "priority %d is negative: priorities start at 0 (runs first)", r.Priority)
	}
	validateWindow(l, "rule", r.From, r.To, r.FieldPos)
	validateAction(l, r)
}

// validateLimits checks the usage limits and the budget.
func validateLimits(l *diag.List, r *CartRule) {
	if r.UsesPerCoupon < 0 {
		l.Add(r.FieldPos("uses_per_coupon"), "invalid-value", "uses_per_coupon %d is negative: use 0 or leave it out for no limit", r.UsesPerCoupon)
	} else if r.UsesPerCoupon > 0 && !r.NeedsCoupon() {
		l.Add(r.FieldPos("uses_per_coupon"), "invalid-value", "uses_per_coupon needs a coupon: the rule has no code to count (add coupon: CODE or coupon: generated)")
	}
	if r.UsesPerCustomer < 0 {
		l.Add(r.FieldPos("uses_per_customer"), "invalid-value", "uses_per_customer %d is negative: use 0 or leave it out for no limit", r.UsesPerCustomer)
	}
	if r.Budget.Amount.Sign() < 0 {
		l.Add(r.FieldPos("budget.amount"), "invalid-amount", "budget amount %s is negative: use 0 or leave it out for no cap", r.Budget.Amount)
	}
	if r.Budget.Redemptions < 0 {
		l.Add(r.FieldPos("budget.redemptions"), "invalid-value", "budget redemptions %d is negative: use 0 or leave it out for no cap", r.Budget.Redemptions)
	}
}

// validateWindow reports a window whose end is before its start; pos is
// where to is written, what is "rule" or "block".
func validateWindow(l *diag.List, what string, from, to Bound, fieldPos func(string) diag.Pos) {
	if from.IsZero() || to.IsZero() {
		return
	}
	bad := false
	switch {
	case !from.Date.IsZero() && !to.Date.IsZero():
		bad = to.Date.Before(from.Date)
	case !from.Instant.IsZero() && !to.Instant.IsZero():
		bad = to.Instant.Before(from.Instant)
	}
	if bad {
		l.Add(fieldPos("to"), "invalid-date-range", "to (%s) is before from (%s): the %s could never apply", to, from, what)
	}
}

func validateAction(l *diag.List, r *CartRule) {
	a := &r.Action
	if a.Type == "" {
		l.Add(r.FieldPos("action"), "missing-field", "cart rule %s has no action.type: want one of %s", q(r.ID), list(ActionTypes))
		return
	}
	if !slices.Contains(ActionTypes, a.Type) {
		l.Add(r.FieldPos("action.type"), "invalid-action",
			"unknown action type %s: want one of %s%s", q(a.Type), list(ActionTypes), diag.DidYouMean(string(a.Type), strs(ActionTypes)))
		return
	}
	if a.FreeShipping != "" && !slices.Contains(FreeShippingModes, a.FreeShipping) {
		l.Add(r.FieldPos("action.free_shipping"), "invalid-value",
			"unknown free_shipping %s: want one of %s%s", q(a.FreeShipping), list(FreeShippingModes), diag.DidYouMean(string(a.FreeShipping), strs(FreeShippingModes)))
	}
	amount := func() diag.Pos { return r.FieldPos("action.amount") } // only when something is wrong
	if a.Amount.Sign() < 0 {
		l.Add(amount(), "invalid-amount", "amount %s is negative", a.Amount)
	}
	if a.MaxQty.Sign() < 0 {
		l.Add(r.FieldPos("action.max_qty"), "invalid-amount", "max_qty %s is negative: use 0 for no limit", a.MaxQty)
	}
	if a.Step.Sign() < 0 || !a.Step.IsInteger() {
		l.Add(r.FieldPos("action.step"), "invalid-amount", "step %s must be a whole number of units, 0 or more", a.Step)
	}
	switch a.Type {
	case ByPercent:
		if a.Amount.Cmp(money.Hundred) > 0 {
			l.Add(amount(), "invalid-amount", "by_percent amount %s is over 100: a discount cannot exceed the price", a.Amount)
		}
	case CartFixed:
		if a.Step.Sign() > 0 {
			l.Warn(r.FieldPos("action.step"), "ignored-field", "cart_fixed ignores step: the whole-cart amount is shared over every matching unit")
		}
	case BuyXGetY:
		if !a.Amount.IsInteger() || a.Amount.Sign() <= 0 {
			l.Add(amount(), "invalid-amount", "buy_x_get_y amount is Y, the free units: want a whole number of at least 1, got %s", a.Amount)
		}
		if a.Step.Sign() <= 0 {
			l.Add(r.FieldPos("action.step"), "invalid-amount", "buy_x_get_y needs step, the X units to buy: want a whole number of at least 1")
		}
	}
	if a.Amount.IsZero() && a.FreeShipping != FreeShippingMatching && a.FreeShipping != FreeShippingShipment && a.Type != BuyXGetY {
		l.Warn(amount(), "zero-amount", "amount is 0: the rule gives no discount (it still counts as applied and can stop later rules)")
	}
}

// q quotes a value written in a rule file for a message, cut short when long.
func q[T ~string](s T) string { return diag.Quote(string(s)) }

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

func list[T ~string](v []T) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
