package engine

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/dsl"

	"github.com/ruled/ruled/rules"
)

// target is what cart rules and blocks share: whether they are on, for
// which websites and customer groups, and when.
type target struct {
	enabled  bool
	websites []string  // folded codes; nil: every website
	groups   []string  // folded groups; nil: every group
	from, to time.Time // the window [from, to); zero ends are open
	// The window in Unix nanoseconds, math.MinInt64/MaxInt64 for open
	// ends: evaluations compare integers.
	fromNS, toNS int64
}

func (p *Program) newTarget(enabled bool, websites, groups []string, from, to rules.Bound) target {
	t := target{enabled: enabled, websites: foldList(websites), groups: foldList(groups), fromNS: math.MinInt64, toNS: math.MaxInt64}
	t.from, t.to = p.window(from, to)
	if !t.from.IsZero() {
		t.fromNS = unixNano(t.from)
	}
	if !t.to.IsZero() {
		t.toNS = unixNano(t.to)
	}
	return t
}

// foldList folds codes for comparison, without duplicates; nil for none.
// Targets name a few websites and groups, which a slice finds faster than
// a map.
func foldList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, s := range l {
		if f := dsl.Fold(strings.TrimSpace(s)); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// miss says which filter leaves a cart of website and group out at now:
// statusDisabled, statusWebsite, statusGroup, statusNotStarted or
// statusExpired, in that order; "" when none does. website and group are
// folded; now is in Unix nanoseconds (see unixNano).
func (t *target) miss(website, group string, now int64) string {
	switch {
	case !t.enabled:
		return statusDisabled
	case t.websites != nil && !slices.Contains(t.websites, website):
		return statusWebsite
	case t.groups != nil && !slices.Contains(t.groups, group):
		return statusGroup
	}
	return t.dates(now)
}

// dates says whether now (in Unix nanoseconds) is before the window
// (statusNotStarted), after it (statusExpired) or in it ("").
func (t *target) dates(ns int64) string {
	switch {
	case ns < t.fromNS:
		return statusNotStarted
	case ns >= t.toNS:
		return statusExpired
	}
	return ""
}

// unixNano is now in Unix nanoseconds, clamped to the range an int64
// holds (UnixNano is undefined outside it).
func unixNano(now time.Time) int64 {
	switch {
	case now.Year() < 1678:
		return math.MinInt64 + 1
	case now.Year() > 2261:
		return math.MaxInt64 - 1
	}
	return now.UnixNano()
}

// status is the listing status at now, whatever the website and group:
// RuleDisabled, RuleScheduled, RuleExpired or RuleEnabled.
func (t *target) status(now time.Time) string {
	if !t.enabled {
		return RuleDisabled
	}
	switch t.dates(unixNano(now)) {
	case statusNotStarted:
		return RuleScheduled
	case statusExpired:
		return RuleExpired
	}
	return RuleEnabled
}
