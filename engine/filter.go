package engine

import (
	"math"
	"slices"
	"sync/atomic"
)

// ruleFilter answers the target filters of every cart rule at once (on,
// website, customer group, window), as bitsets over the program's rule
// order. The indexed walk intersects them with the index's candidates, so
// that a rule the filters leave out is never read: at 10,000 rules about
// half of the candidates of a cart are outside their window, and reading
// each one's rule, scattered over the heap, cost more than the bit test.
//
// The bitsets by website and group are built with the program and never
// change. The window's changes only where some rule's window opens or
// closes, so the set for the interval between two such instants is built
// when first asked and kept until an evaluation asks for another instant.
type ruleFilter struct {
	words      int
	anyWebsite []uint64            // enabled rules that name no website
	byWebsite  map[string][]uint64 // folded website: enabled rules it sees
	anyGroup   []uint64            // rules that name no customer group
	byGroup    map[string][]uint64 // folded group: rules it sees
	spans      []span              // each rule's window, in rule order
	bounds     []int64             // instants where a window opens or closes, ascending
	window     atomic.Pointer[windowSet]
}

// span is a window in Unix nanoseconds, [from, to).
type span struct{ from, to int64 }

// windowSet is the rules whose window holds every instant of [from, to).
type windowSet struct {
	from, to int64
	live     []uint64
}

func newRuleFilter(rs []*rule) *ruleFilter {
	words := (len(rs) + 63) / 64
	f := &ruleFilter{words: words, anyWebsite: make([]uint64, words), byWebsite: map[string][]uint64{},
		anyGroup: make([]uint64, words), byGroup: map[string][]uint64{}, spans: make([]span, len(rs))}
	set := func(m map[string][]uint64, key string, i int) {
		b := m[key]
		if b == nil {
			b = make([]uint64, words)
			m[key] = b
		}
		b[i>>6] |= 1 << (i & 63)
	}
	for i, r := range rs {
		f.spans[i] = span{r.fromNS, r.toNS}
		for _, ns := range [2]int64{r.fromNS, r.toNS} {
			if ns != math.MinInt64 && ns != math.MaxInt64 {
				f.bounds = append(f.bounds, ns)
			}
		}
		if r.groups == nil {
			f.anyGroup[i>>6] |= 1 << (i & 63)
		}
		for _, g := range r.groups {
			set(f.byGroup, g, i)
		}
		if !r.enabled {
			continue
		}
		if r.websites == nil {
			f.anyWebsite[i>>6] |= 1 << (i & 63)
		}
		for _, w := range r.websites {
			set(f.byWebsite, w, i)
		}
	}
	for _, b := range f.byWebsite {
		or(b, f.anyWebsite)
	}
	for _, b := range f.byGroup {
		or(b, f.anyGroup)
	}
	slices.Sort(f.bounds)
	f.bounds = slices.Compact(f.bounds)
	return f
}

func or(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
}

// pass sets out (f.words long) to the rules a cart of the folded website
// and group passes at now (Unix nanoseconds): enabled, for that website
// and group, inside their window.
func (f *ruleFilter) pass(out []uint64, website, group string, now int64) {
	w, ok := f.byWebsite[website]
	if !ok {
		w = f.anyWebsite
	}
	g, ok := f.byGroup[group]
	if !ok {
		g = f.anyGroup
	}
	t := f.at(now)
	for i := range out {
		out[i] = w[i] & g[i] & t[i]
	}
}

// at is the rules whose window holds now.
func (f *ruleFilter) at(now int64) []uint64 {
	if s := f.window.Load(); s != nil && s.from <= now && now < s.to {
		return s.live
	}
	// Between two consecutive bounds no window opens or closes.
	k, _ := slices.BinarySearch(f.bounds, now)
	if k < len(f.bounds) && f.bounds[k] == now {
		k++
	}
	s := &windowSet{from: math.MinInt64, to: math.MaxInt64, live: make([]uint64, f.words)}
	if k > 0 {
		s.from = f.bounds[k-1]
	}
	if k < len(f.bounds) {
		s.to = f.bounds[k]
	}
	for i, sp := range f.spans {
		if sp.from <= now && now < sp.to {
			s.live[i>>6] |= 1 << (i & 63)
		}
	}
	f.window.Store(s)
	return s.live
}
