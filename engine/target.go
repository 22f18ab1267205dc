package engine

import (
	"time"

	"github.com/ruled/ruled/rules"
)

// target is what cart rules and blocks share: whether they are on, for
// which websites and customer groups, and when.
type target struct {
	enabled  bool
	websites map[string]bool // folded codes; nil: every website
	groups   map[string]bool // folded groups; nil: every group
	from, to time.Time       // the window [from, to); zero ends are open
}

func (p *Program) newTarget(enabled bool, websites, groups []string, from, to rules.Bound) target {
	t := target{enabled: enabled, websites: fold(websites), groups: fold(groups)}
	t.from, t.to = p.window(from, to)
	return t
}

// miss says which filter leaves a cart of website and group out at now:
// statusDisabled, statusWebsite, statusGroup, statusNotStarted or
// statusExpired, in that order; "" when none does. website and group are
// folded.
func (t *target) miss(website, group string, now time.Time) string {
	switch {
	case !t.enabled:
		return statusDisabled
	case t.websites != nil && !t.websites[website]:
		return statusWebsite
	case t.groups != nil && !t.groups[group]:
		return statusGroup
	}
	return t.dates(now)
}

// dates says whether now is before the window (statusNotStarted), after
// it (statusExpired) or in it ("").
func (t *target) dates(now time.Time) string {
	switch {
	case !t.from.IsZero() && now.Before(t.from):
		return statusNotStarted
	case !t.to.IsZero() && !now.Before(t.to):
		return statusExpired
	}
	return ""
}

// status is the listing status at now, whatever the website and group:
// RuleDisabled, RuleScheduled, RuleExpired or RuleEnabled.
func (t *target) status(now time.Time) string {
	if !t.enabled {
		return RuleDisabled
	}
	switch t.dates(now) {
	case statusNotStarted:
		return RuleScheduled
	case statusExpired:
		return RuleExpired
	}
	return RuleEnabled
}
