package loader

import (
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// The keys each mapping of the file format allows, in the order messages
// list them. Adding a field means adding its name here and a case to its
// decoder; a key missing here is reported as unknown, with a suggestion.
var (
	// ruleFileKeys are the top-level keys of a rule file.
	ruleFileKeys = []string{"cart_rules", "blocks", "placements"}

	cartRuleKeys = []string{
		"id", "name", "label", "enabled", "websites", "customer_groups", "from", "to",
		"priority", "stop_further_rules", "coupon", "uses_per_coupon", "uses_per_customer", "budget",
		"when", "action",
	}
	budgetKeys = []string{"amount", "redemptions"}
	actionKeys = []string{"type", "amount", "max_qty", "step", "apply_to_shipping", "free_shipping", "items"}
	// actionFields names each action key in a rule's Fields ("action.type"):
	// built once, not once per rule.
	actionFields = func() map[string]string {
		m := make(map[string]string, len(actionKeys))
		for _, k := range actionKeys {
			m[k] = "action." + k
		}
		return m
	}()

	// audienceFileKeys are the top-level keys of audiences.yaml.
	audienceFileKeys = []string{"audiences"}
	audienceKeys     = []string{"id", "name", "description", "origin", "updated", "removed"}

	// configKeys are the keys of ruled.yaml.
	configKeys = []string{"timezone", "currency", "websites", "membership", "guardrails"}
	// websiteKeys are the keys of one website under websites in ruled.yaml.
	websiteKeys = []string{"currency"}
)

// top checks that a document's root is a mapping (an empty document is
// fine: it returns false without a word).
func (r *reader) top(doc *yaml.Node, want string) (*yaml.Node, bool) {
	doc = r.node(doc)
	switch {
	case isNull(doc):
		return nil, false
	case doc.Kind != yaml.MappingNode:
		r.wrongType(doc, "the file", want)
		return nil, false
	}
	return doc, true
}

// websites reads the websites of ruled.yaml: website code → {currency}.
func (r *reader) websites(n *yaml.Node, cfg *rules.Config) {
	sites, _ := r.mapping(n, "websites", "websites", nil)
	for _, site := range sites {
		entries, _ := r.mapping(site.value, "website "+site.name, "website", websiteKeys)
		for _, e := range entries {
			if c, ok := r.str(e.value, e.name); ok && !isNull(e.value) {
				if cfg.WebsiteCurrencies == nil {
					cfg.WebsiteCurrencies = map[string]string{}
				}
				cfg.WebsiteCurrencies[site.name] = c
				cfg.Fields["websites."+site.name] = r.pos(e.value)
			}
		}
	}
}

// config reads ruled.yaml into cfg. A key set again in a later document of
// the file is a duplicate like any other.
func (r *reader) config(doc *yaml.Node, cfg *rules.Config) {
	m, ok := r.top(doc, "a mapping with timezone and currency")
	if !ok {
		return
	}
	entries, _ := r.mapping(m, "the file", "ruled.yaml", configKeys)
	for _, e := range entries {
		if first, dup := cfg.Fields[e.name]; dup {
			r.errorf(e.key, "duplicate-key", "duplicate key %q in ruled.yaml: first written at %s", e.name, first)
			continue
		}
		cfg.Fields[e.name] = r.pos(e.value)
		if isNull(e.value) {
			continue
		}
		switch e.name {
		case "websites":
			r.websites(e.value, cfg)
			continue
		case "membership":
			r.membership(e.value, cfg)
			continue
		case "guardrails":
			r.guardrails(e.value, cfg)
			continue
		}
		s, ok := r.str(e.value, e.name)
		if !ok {
			continue
		}
		switch e.name {
		case "timezone":
			cfg.Timezone = s
			r.checkZone(e.value)
		case "currency":
			cfg.Currency = s
		}
	}
}

// checkZone reports a time zone time.LoadLocation does not know, and
// "Local", which would make rule dates depend on the server's settings.
func (r *reader) checkZone(n *yaml.Node) {
	if n.Value == "Local" {
		r.errorf(n, "unknown-timezone", `time zone "Local" is the server's zone: want an IANA name such as Europe/Paris or America/New_York`)
		return
	}
	if _, err := time.LoadLocation(n.Value); err != nil {
		r.errorf(n, "unknown-timezone", "unknown time zone %s: want an IANA name such as Europe/Paris or America/New_York", quote(n.Value))
	}
}

// audienceFile reads the audience registry of an audiences.yaml document.
func (r *reader) audienceFile(doc *yaml.Node) []rules.Audience {
	m, ok := r.top(doc, "a mapping with audiences")
	if !ok {
		return nil
	}
	var out []rules.Audience
	entries, _ := r.mapping(m, "the file", "audiences file", audienceFileKeys)
	for _, e := range entries {
		for _, item := range r.list(e.value, e.name, "a list of audiences") {
			if a, ok := r.audience(item); ok {
				out = append(out, a)
			}
		}
	}
	return out
}

func (r *reader) audience(n *yaml.Node) (rules.Audience, bool) {
	entries, ok := r.mapping(n, "audience", "audience", audienceKeys)
	if !ok {
		return rules.Audience{}, false
	}
	a := rules.Audience{Pos: r.pos(n), Fields: map[string]diag.Pos{}}
	for _, e := range entries {
		a.Fields[e.name] = r.pos(e.value)
		if isNull(e.value) {
			continue
		}
		switch e.name {
		case "updated":
			a.Updated, _ = r.instant(e.value, e.name)
			continue
		case "removed":
			a.Removed, _ = r.instant(e.value, e.name)
			continue
		}
		s, ok := r.str(e.value, e.name)
		if !ok {
			continue
		}
		switch e.name {
		case "id":
			a.ID = s
		case "name":
			a.Name = s
		case "description":
			a.Description = s
		case "origin":
			a.Origin = s
		}
	}
	if a.Origin == "" {
		a.Origin = rules.DefaultOrigin
	}
	return a, true
}

// ruleFile reads the cart rules, placements and blocks of one rule file
// document.
func (r *reader) ruleFile(doc *yaml.Node) (cart []rules.CartRule, places []rules.Placement, blocks []rules.Block) {
	m, ok := r.top(doc, "a mapping with cart_rules, placements or blocks")
	if !ok {
		return nil, nil, nil
	}
	entries, _ := r.mapping(m, "the file", "rule file", ruleFileKeys)
	for _, e := range entries {
		switch e.name {
		case "cart_rules":
			cart = append(cart, r.cartRules(e.value)...)
		case "placements":
			places = append(places, r.placements(e.value)...)
		case "blocks":
			blocks = append(blocks, r.blocks(e.value)...)
		}
	}
	return cart, places, blocks
}
