package engine

import (
	"fmt"

	"github.com/ruled/ruled/dsl"
)

// Stats is temporary instrumentation.
func Stats(p *Program, c *Cart) {
	s := p.getScratch(len(c.Items))
	ev, in, _ := p.start(c, Options{}, s)
	ev.s = s
	ev.m = p.machines.Get().(*dsl.Machine)
	cands := ev.candidates()
	fmt.Println("rules", len(p.rules), "always", len(p.idx.always), "cands", len(cands), "clauses", len(p.clauses), "preds", len(p.preds))
	miss, held, passed := 0, 0, 0
	kinds := map[string]int{}
	for _, i := range cands {
		r := p.rules[i]
		if r.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" {
			miss++
			continue
		}
		ok, _ := ev.holds(r)
		if ok {
			held++
			m, _ := ev.matches(r.pred)
			for _, b := range m {
				if b {
					passed++
					break
				}
			}
		}
	}
	for _, id := range s.setClauses {
		c := p.clauses[id]
		k := "prog"
		switch {
		case c.auds != nil:
			k = "aud"
		case c.quant != "":
			k = "quant"
		case c.native != nil:
			k = "native"
		}
		kinds[k]++
	}
	fmt.Println("miss", miss, "held", held, "passed", passed, "clauses evaluated", len(s.setClauses), kinds, "preds", len(s.setPreds))
	_ = in
	// always list composition
	am := 0
	for _, i := range p.idx.always {
		if p.rules[i].miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" {
			am++
		}
	}
	fmt.Println("always missing by target", am)
}
