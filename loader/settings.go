package loader

import (
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// The keys of ruled.yaml's membership and guardrails sections.
var (
	membershipKeys = []string{"signing", "trust_body"}
	signingKeys    = []string{"secret_env", "jwks_file", "leeway", "issuer", "audience"}
	guardrailKeys  = []string{"max_discount_percent", "max_discount_amount"}
	guardrailsKeys = append([]string{"websites", "customer_groups"}, guardrailKeys...)
)

// membership reads ruled.yaml's membership section.
func (r *reader) membership(n *yaml.Node, cfg *rules.Config) {
	entries, _ := r.mapping(n, "membership", "membership", membershipKeys)
	for _, e := range entries {
		if isNull(e.value) {
			continue
		}
		cfg.Fields["membership."+e.name] = r.pos(e.value)
		switch e.name {
		case "trust_body":
			if b, ok := r.boolean(e.value, "trust_body"); ok {
				cfg.Membership.TrustBody = &b
			}
		case "signing":
			cfg.Membership.Signing = r.signing(e.value, cfg)
		}
	}
}

// signing reads membership.signing; at least one of secret_env and
// jwks_file is required.
func (r *reader) signing(n *yaml.Node, cfg *rules.Config) *rules.Signing {
	s := &rules.Signing{}
	entries, ok := r.mapping(n, "signing", "membership.signing", signingKeys)
	if !ok {
		return nil
	}
	for _, e := range entries {
		if isNull(e.value) {
			continue
		}
		cfg.Fields["membership.signing."+e.name] = r.pos(e.value)
		v, ok := r.str(e.value, e.name)
		if !ok {
			continue
		}
		switch e.name {
		case "secret_env":
			s.SecretEnv = v
		case "jwks_file":
			s.JWKSFile = v
		case "issuer", "audience":
			if strings.TrimSpace(v) == "" || strings.TrimSpace(v) != v {
				r.errorf(e.value, "invalid-value", "%s %s: want the exact %s claim, without surrounding spaces, or no %s key", e.name, quote(v), map[string]string{"issuer": "iss", "audience": "aud"}[e.name], e.name)
				continue
			}
			if e.name == "issuer" {
				s.Issuer = v
			} else {
				s.Audience = v
			}
		case "leeway":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > time.Hour {
				r.errorf(e.value, "invalid-duration", "leeway %s: want a duration from 0s to 1h such as 30s", quote(v))
				continue
			}
			s.Leeway = d
		}
	}
	if s.SecretEnv == "" && s.JWKSFile == "" {
		r.errorf(n, "missing-key", "membership.signing needs secret_env, jwks_file or both")
		return nil
	}
	return s
}

// guardrails reads ruled.yaml's guardrails section.
func (r *reader) guardrails(n *yaml.Node, cfg *rules.Config) {
	entries, _ := r.mapping(n, "guardrails", "guardrails", guardrailsKeys)
	var caps []entry
	for _, e := range entries {
		if isNull(e.value) {
			continue
		}
		switch e.name {
		case "websites", "customer_groups":
			over := map[string]rules.Guardrail{}
			named, _ := r.mapping(e.value, e.name, "guardrails."+e.name, nil)
			for _, o := range named {
				g := r.guardrail(o.value, "guardrails."+e.name+"."+o.name, nil, cfg)
				over[o.name] = g
			}
			if e.name == "websites" {
				cfg.Guardrails.Websites = over
			} else {
				cfg.Guardrails.CustomerGroups = over
			}
		default:
			caps = append(caps, e)
		}
	}
	cfg.Guardrails.Guardrail = r.guardrail(nil, "guardrails", caps, cfg)
}

// guardrail reads one cap: from n's entries, or from entries already read.
func (r *reader) guardrail(n *yaml.Node, path string, entries []entry, cfg *rules.Config) rules.Guardrail {
	if n != nil {
		entries, _ = r.mapping(n, path, path, guardrailKeys)
	}
	var g rules.Guardrail
	for _, e := range entries {
		if isNull(e.value) {
			continue
		}
		d, ok := r.decimal(e.value, e.name)
		if !ok {
			continue
		}
		cfg.Fields[path+"."+e.name] = r.pos(e.value)
		switch {
		case d.Sign() < 0:
			r.errorf(e.value, "invalid-number", "%s is negative: want a cap of 0 or more", e.name)
		case e.name == "max_discount_percent" && d.Cmp(money.FromInt(100)) > 0:
			r.errorf(e.value, "invalid-number", "max_discount_percent %s is more than 100", d)
		case e.name == "max_discount_percent":
			g.MaxPercent = &d
		default:
			g.MaxAmount = &d
		}
	}
	return g
}
