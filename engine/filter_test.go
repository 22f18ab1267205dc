package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRuleFilterAgreesWithMiss holds the filter's bitsets to each rule's own
// target check, at and around every instant where a window opens or closes
// (asked in random order, so that the kept window set is replaced and
// reused), for every website and group the rules name and some they do not.
func TestRuleFilterAgreesWithMiss(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{1, 7, 64, 65, 300} {
		d := randomProject(r, n)
		p := mustCompile(t, d.set)
		f := p.filter
		var instants []int64
		for _, b := range f.bounds {
			instants = append(instants, b-1, b, b+1)
		}
		instants = append(instants, math.MinInt64+1, 0, math.MaxInt64-1)
		r.Shuffle(len(instants), func(i, j int) { instants[i], instants[j] = instants[j], instants[i] })
		websites, groups := []string{"", "elsewhere"}, []string{"", "nobody"}
		for _, rl := range p.rules {
			websites = append(websites, rl.websites...)
			groups = append(groups, rl.groups...)
		}
		out := make([]uint64, f.words)
		for _, now := range instants {
			for k := range 4 {
				website, group := websites[r.IntN(len(websites))], groups[r.IntN(len(groups))]
				if k == 0 {
					website, group = "", ""
				}
				f.pass(out, website, group, now)
				for i, rl := range p.rules {
					want := rl.miss(website, group, now) == ""
					if got := out[i>>6]&(1<<(i&63)) != 0; got != want {
						t.Fatalf("%d rules, rule %s at %d, website %q, group %q: filter %v, miss %q",
							n, rl.ID, now, website, group, got, rl.miss(website, group, now))
					}
				}
			}
		}
	}
}
