package loader

import (
	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// cartRules reads the list under cart_rules. Every item that is a mapping
// becomes a rule, however many of its fields are wrong, so that
// rules.Validate and later passes can report on it too.
func (r *reader) cartRules(n *yaml.Node) []rules.CartRule {
	var out []rules.CartRule
	for _, item := range r.list(n, "cart_rules", "a list of cart rules") {
		if rule, ok := r.cartRule(item); ok {
			out = append(out, rule)
		}
	}
	return out
}

func (r *reader) cartRule(n *yaml.Node) (rules.CartRule, bool) {
	entries, ok := r.mapping(n, "cart rule", "cart rule", cartRuleKeys)
	if !ok {
		return rules.CartRule{}, false
	}
	rule := rules.CartRule{Enabled: true, Pos: r.pos(n), Fields: map[string]diag.Pos{}}
	for _, e := range entries {
		v := e.value
		rule.Fields[e.name] = r.pos(v)
		if isNull(v) {
			continue
		}
		switch e.name {
		case "id":
			rule.ID, _ = r.str(v, e.name)
		case "name":
			rule.Name, _ = r.str(v, e.name)
		case "label":
			rule.Label, _ = r.str(v, e.name)
		case "enabled":
			if b, ok := r.boolean(v, e.name); ok {
				rule.Enabled = b
			}
		case "websites":
			rule.Websites, _ = r.strs(v, e.name)
		case "customer_groups":
			rule.CustomerGroups, _ = r.strs(v, e.name)
		case "from":
			rule.From, _ = r.bound(v, e.name)
		case "to":
			rule.To, _ = r.bound(v, e.name)
		case "priority":
			rule.Priority, _ = r.integer(v, e.name)
		case "stop_further_rules":
			rule.StopFurtherRules, _ = r.boolean(v, e.name)
		case "coupon":
			codes, _ := r.strs(v, e.name)
			rule.Coupons, rule.GeneratedCoupons = splitGenerated(codes)
		case "uses_per_coupon":
			rule.UsesPerCoupon, _ = r.integer(v, e.name)
		case "uses_per_customer":
			rule.UsesPerCustomer, _ = r.integer(v, e.name)
		case "budget":
			r.budget(v, &rule)
		case "when":
			rule.When, _ = r.condition(v, e.name)
		case "action":
			r.action(v, &rule)
		}
	}
	return rule, true
}

// action reads a rule's action mapping. Its keys' positions go into the
// rule's Fields as "action.<key>". The type is read as written; whether it
// is one of rules.ActionTypes is for rules.Validate to say.
func (r *reader) action(n *yaml.Node, rule *rules.CartRule) {
	entries, ok := r.mapping(n, "action", "action", actionKeys)
	if !ok {
		return
	}
	a := &rule.Action
	for _, e := range entries {
		v, field := e.value, actionFields[e.name]
		rule.Fields[field] = r.pos(v)
		if isNull(v) {
			continue
		}
		switch e.name {
		case "type":
			s, _ := r.str(v, field)
			a.Type = rules.ActionType(s)
		case "amount":
			a.Amount, _ = r.decimal(v, field)
		case "max_qty":
			a.MaxQty, _ = r.decimal(v, field)
		case "step":
			a.Step, _ = r.decimal(v, field)
		case "apply_to_shipping":
			a.ApplyToShipping, _ = r.boolean(v, field)
		case "free_shipping":
			s, _ := r.str(v, field)
			a.FreeShipping = rules.FreeShipping(s)
		case "items":
			a.Items, _ = r.condition(v, field)
		}
	}
}

// splitGenerated takes the word generated (rules.GeneratedCode, written
// exactly so) out of a rule's codes: it names the generated pool.
func splitGenerated(codes []string) ([]string, bool) {
	var out []string
	gen := false
	for _, c := range codes {
		if c == rules.GeneratedCode {
			gen = true
			continue
		}
		out = append(out, c)
	}
	return out, gen
}

// budget reads a rule's budget mapping: amount and/or redemptions. Their
// positions go into the rule's Fields as "budget.<key>".
func (r *reader) budget(n *yaml.Node, rule *rules.CartRule) {
	entries, ok := r.mapping(n, "budget", "budget", budgetKeys)
	if !ok {
		return
	}
	for _, e := range entries {
		v, field := e.value, "budget."+e.name
		rule.Fields[field] = r.pos(v)
		if isNull(v) {
			continue
		}
		switch e.name {
		case "amount":
			rule.Budget.Amount, _ = r.decimal(v, field)
		case "redemptions":
			rule.Budget.Redemptions, _ = r.integer(v, field)
		}
	}
}
