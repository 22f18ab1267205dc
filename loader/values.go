package loader

import (
	"errors"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// The scalar decoders below read a value's text as written, never what
// YAML resolved it to: an unquoted 2026-11-01 is a !!timestamp and 19.99 a
// !!float to YAML, but ruled wants the characters. Each reports its own
// problem and returns false; n has its aliases resolved and is not null.

// str reads any scalar as text: ids, names and coupon codes may look like
// numbers ("2026", "10OFF") and stay strings.
func (r *reader) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		r.wrongType(n, field, "a string")
		return "", false
	}
	return n.Value, true
}

// boolean reads true or false. YAML 1.1's yes/no/on/off are strings in
// yaml.v3, and so are rejected here rather than guessed at.
func (r *reader) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	r.wrongType(n, field, "true or false")
	return false, false
}

// integer reads a whole number written in decimal digits ("10", "-1",
// quoted or not).
func (r *reader) integer(n *yaml.Node, field string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		r.wrongType(n, field, "a whole number")
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	switch {
	case err == nil && !strings.HasPrefix(n.Value, "+"):
		return v, true
	case errors.Is(err, strconv.ErrRange):
		r.unreadable(n, "invalid-number", "%s %s is out of range", field, quote(n.Value))
	case numeric(n):
		r.unreadable(n, "invalid-number", "%s %s is not a whole number: want digits such as 10", field, quote(n.Value))
	default:
		r.wrongType(n, field, "a whole number")
	}
	return 0, false
}

// decimal reads a plain decimal number ("10", "19.99", "-0.5", quoted or
// not) with money.Parse, so that amounts are exact: nothing goes through
// float64.
func (r *reader) decimal(n *yaml.Node, field string) (money.Decimal, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		r.wrongType(n, field, "a number")
		return money.Zero, false
	}
	d, err := money.Parse(n.Value)
	switch {
	case err == nil:
		return d, true
	case !errors.Is(err, money.ErrSyntax):
		r.unreadable(n, "invalid-number", "%s has too many digits", field)
	case numeric(n):
		r.unreadable(n, "invalid-number", "%s %s is not a plain decimal number: want digits with an optional fraction, such as 10 or 19.99",
			field, quote(n.Value))
	default:
		r.wrongType(n, field, "a number")
	}
	return money.Zero, false
}

// numeric reports whether n was meant as a number (YAML resolved it to one,
// or it starts like one) but is not one ruled reads: "1e3", "0x10", "1,5".
func numeric(n *yaml.Node) bool {
	if n.Tag == "!!int" || n.Tag == "!!float" {
		return true
	}
	s := strings.TrimLeft(n.Value, "+-.")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// strs reads a list of strings, or a single string as a list of one.
func (r *reader) strs(n *yaml.Node, field string) ([]string, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, true
	case yaml.SequenceNode:
		var out []string
		ok := true
		for _, item := range n.Content {
			item = r.node(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				r.wrongType(item, field+" item", "a string")
				ok = false
				continue
			}
			out = append(out, item.Value)
		}
		return out, ok
	}
	r.wrongType(n, field, "a string or a list of strings")
	return nil, false
}

// bound reads one end of a date window: a day ("2026-11-01") in the
// project's time zone, or an RFC 3339 instant ("2026-11-01T09:00:00+01:00").
func (r *reader) bound(n *yaml.Node, field string) (rules.Bound, bool) {
	if n.Kind != yaml.ScalarNode {
		r.wrongType(n, field, "a date such as 2026-11-01")
		return rules.Bound{}, false
	}
	if d, err := rules.ParseDate(n.Value); err == nil {
		return rules.Bound{Date: d}, true
	}
	if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
		return rules.Bound{Instant: t}, true
	}
	r.unreadable(n, "invalid-date", "%s %s is not a date: want a day such as 2026-11-01 or an RFC 3339 time such as 2026-11-01T09:00:00+01:00",
		field, quote(n.Value))
	return rules.Bound{}, false
}

// instant reads an RFC 3339 time ("2026-01-15T10:30:00Z").
func (r *reader) instant(n *yaml.Node, field string) (time.Time, bool) {
	s, ok := r.str(n, field)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.unreadable(n, "invalid-date", "%s %s is not an RFC 3339 time: want one such as 2026-01-15T10:30:00Z", field, quote(s))
		return time.Time{}, false
	}
	return t, true
}

// condition reads a condition written in the condition language.
func (r *reader) condition(n *yaml.Node, field string) (rules.Expr, bool) {
	if n.Kind != yaml.ScalarNode {
		r.wrongType(n, field, "a condition (a string)")
		return rules.Expr{}, false
	}
	return r.expr(n), true
}
