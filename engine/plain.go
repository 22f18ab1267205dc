package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/rules"
)

// This file is the walk over every rule: each rule's filters, condition and
// item selection in order, every status and reason recorded. Evaluate takes
// it when an explanation is asked for; tests keep it as the oracle the
// indexed walk (indexed.go) must agree with.

// evaluatePlain prices a cart walking every rule of the program.
func (p *Program) evaluatePlain(c *Cart, opt Options) (*Result, error) {
	ev, in, err := p.start(c, opt, nil)
	if err != nil {
		return nil, err
	}
	ev.itemEv = make([]any, len(c.Items))
	ev.m = p.machines.Get().(*dsl.Machine)
	defer p.machines.Put(ev.m)

	ev.status = make([]string, len(p.rules))
	ev.reason = make([]string, len(p.rules))
	// Every candidate's action decides the item order (Magento's
	// Validator::sortItemsByPriority is fed by getRules(): enabled, website,
	// group, coupon and date, conditions not consulted); only the rules whose
	// conditions hold are applied.
	order := newItemOrder(len(c.Items))
	for i, r := range p.rules {
		if !ev.candidate(i, r) {
			continue
		}
		holds := ev.conditionHolds(i, r)
		matches, ok := ev.selectItems(i, r, holds)
		if !ok {
			continue
		}
		order.place(matches)
		if holds {
			in.rules = append(in.rules, calcRule{id: r.ID, action: &r.Action, stop: r.StopFurtherRules, matches: matches})
			in.ruleIndex = append(in.ruleIndex, i)
		}
	}
	in.order = order.done()
	in.skips = opt.Explain
	return ev.finish(&in, opt)
}

// candidate applies the rule's filters that need no condition: enabled,
// website, customer group, date window and coupon.
func (ev *evaluation) candidate(i int, r *rule) bool {
	status, reason := ev.filter(r)
	if status == "" {
		return true
	}
	ev.status[i], ev.reason[i] = status, reason
	return false
}

// filter says which of the rule's filters leaves the cart out, and why;
// "" when none does.
func (ev *evaluation) filter(r *rule) (status, reason string) {
	now := func() string { return ev.now.In(ev.p.loc).Format(time.RFC3339) }
	switch s := r.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS); s {
	case statusDisabled:
		return s, "the rule is disabled"
	case statusWebsite:
		return s, fmt.Sprintf("not for website %q (only %s)", ev.env.Website, strings.Join(r.Websites, ", "))
	case statusGroup:
		return s, fmt.Sprintf("not for customer group %q (only %s)", ev.env.Customer.Group, strings.Join(r.CustomerGroups, ", "))
	case statusNotStarted:
		return s, fmt.Sprintf("starts %s; it is %s", r.From, now())
	case statusExpired:
		return s, fmt.Sprintf("ended %s; it is %s", r.To, now())
	}
	if ev.limits != nil {
		return ev.gate(r)
	}
	if r.coupons != nil && !r.coupons[ev.env.Coupon] {
		if ev.env.Coupon == "" {
			return statusCoupon, "needs a coupon code; the cart has none"
		}
		return statusCoupon, fmt.Sprintf("needs another coupon code; the cart has %q", ev.cart.CouponCode)
	}
	return "", ""
}

func (ev *evaluation) conditionHolds(i int, r *rule) bool {
	if r.when == nil {
		return true
	}
	ok, err := ev.m.Eval(r.when, ev.boxed)
	if err != nil {
		ev.fail(i, r, err)
		return false
	}
	if !ok {
		ev.status[i], ev.reason[i] = statusCondition, "the cart does not meet the condition"
	}
	return ok
}

func (ev *evaluation) fail(i int, r *rule, err error) {
	ev.status[i], ev.reason[i] = statusError, err.Error()
	ev.res.Errors = append(ev.res.Errors, RuleError{Rule: r.ID, Message: err.Error()})
}

// selectItems runs the rule's action.items condition on every line. A
// failure is reported only for a rule whose condition holds (report); for
// the others the lines are taken as not selected.
func (ev *evaluation) selectItems(i int, r *rule, report bool) ([]bool, bool) {
	matches := make([]bool, len(ev.cart.Items))
	for j := range matches {
		if r.items == nil {
			matches[j] = true
			continue
		}
		if ev.itemEv[j] == nil {
			e := ev.env
			e.Item = *e.Items[j]
			ev.itemEv[j] = &e
		}
		ok, err := ev.m.Eval(r.items, ev.itemEv[j])
		if err != nil {
			if report {
				ev.fail(i, r, err)
			}
			return nil, false
		}
		matches[j] = ok
	}
	return matches, true
}

// The rule statuses found before the arithmetic say why a rule was left
// out; what the arithmetic did says the rest.
func (ev *evaluation) explain(in *input, out *calcResult) {
	calcOf := map[int]int{}
	for k, i := range in.ruleIndex {
		calcOf[i] = k
	}
	for i, r := range ev.p.rules {
		x := Explanation{Rule: r.ID, Status: ev.status[i], Reason: ev.reason[i]}
		if k, ok := calcOf[i]; ok {
			ev.explainApplied(&x, in, out, k)
		} else if x.Status == statusCondition {
			for _, c := range ev.m.Explain(r.when, ev.boxed) {
				x.Clauses = append(x.Clauses, Clause{Text: c.Text, Seen: c.Seen})
			}
		}
		ev.res.Explain = append(ev.res.Explain, x)
	}
}

func (ev *evaluation) explainApplied(x *Explanation, in *input, out *calcResult, k int) {
	total := out.ruleItems[k].Add(out.ruleShipping[k])
	if out.ruleApplied[k] {
		x.Applied, x.Discount = true, ev.cur.Format(total)
		x.Status, x.Reason = statusApplied, "applied"
		if total.IsZero() && in.rules[k].action.FreeShipping == rules.NoFreeShipping {
			x.Status, x.Reason = statusNothingLeft, "applied, but earlier rules left nothing to discount"
		}
		return
	}
	x.Status, x.Reason = statusNoItems, "no line matches action.items"
	for _, s := range out.ruleSkips[k] {
		switch s.reason {
		case skipStopped:
			x.Status, x.Reason = statusStopped, fmt.Sprintf("stopped by rule %q, which applied first and stops further rules", in.rules[s.by].id)
			return
		case skipStepGate:
			x.Status, x.Reason = statusNoItems, "no matching line has enough units for the rule's step"
		}
	}
}
