package engine

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/rules"
)

// placement is a compiled placement with its blocks in order (priority,
// then id).
type placement struct {
	*rules.Placement
	blocks []*block
}

// block is a dynamic block ready to select.
type block struct {
	*rules.Block
	when *dsl.Program
	target
}

func (p *Program) compileBlocks(l *diag.List, compiled *conditions) {
	p.placements = map[string]*placement{}
	for i := range p.set.Placements {
		pl := &p.set.Placements[i]
		p.placements[pl.ID] = &placement{Placement: pl}
		p.placementIDs = append(p.placementIDs, pl.ID)
	}
	slices.Sort(p.placementIDs)
	for i := range p.set.Blocks {
		b := &p.set.Blocks[i]
		cb := &block{Block: b, target: p.newTarget(b.Enabled, b.Websites, b.CustomerGroups, b.From, b.To)}
		cb.when = compiled.add(l, b.When, false)
		if pl := p.placements[b.Placement]; pl != nil {
			pl.blocks = append(pl.blocks, cb)
		}
	}
	for _, pl := range p.placements {
		slices.SortStableFunc(pl.blocks, func(a, b *block) int {
			return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.ID, b.ID))
		})
	}
}

// BlockResult is a block chosen for a placement.
type BlockResult struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Content string          `json:"content,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Why says, with Options.Explain, what made the block match.
	Why []string `json:"why,omitempty"`
}

// selectBlocks chooses the blocks of every requested placement, after the
// cart rules have been applied (related rules need to know which did).
func (ev *evaluation) selectBlocks(opt Options) error {
	if len(opt.Placements) == 0 {
		return nil
	}
	applied := make(map[string]bool, len(ev.res.AppliedRules))
	for _, a := range ev.res.AppliedRules {
		applied[a.ID] = true
	}
	ev.res.Blocks = map[string][]BlockResult{}
	for i, id := range opt.Placements {
		pl := ev.p.placements[id]
		if pl == nil {
			return &InputError{Field: fmt.Sprintf("placements[%d]", i),
				Message: fmt.Sprintf("unknown placement %q%s", id, diag.DidYouMean(id, ev.p.placementIDs))}
		}
		var matched []BlockResult
		for _, b := range pl.blocks {
			if why, ok := ev.blockMatches(b, applied); ok {
				r := BlockResult{ID: b.ID, Name: b.Name, Content: b.Content, Data: b.Data}
				if opt.Explain {
					r.Why = why
				}
				matched = append(matched, r)
			}
		}
		ev.res.Blocks[id] = rotate(pl.Placement, matched, opt.VisitorID, opt.View, opt.Explain)
	}
	return nil
}

// blockMatches applies a block's targeting: enabled, website, group, dates,
// condition, related rules. A condition that fails at run time is reported
// and the block left out.
func (ev *evaluation) blockMatches(b *block, applied map[string]bool) ([]string, bool) {
	if b.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" {
		return nil, false
	}
	var why []string
	if b.when != nil {
		ok, err := ev.m.Eval(b.when, ev.boxed)
		if err != nil {
			ev.res.Errors = append(ev.res.Errors, RuleError{Rule: "block " + b.ID, Message: err.Error()})
			return nil, false
		}
		if !ok {
			return nil, false
		}
		why = append(why, "condition holds: "+b.When.Text)
	}
	if len(b.RelatedRules) > 0 {
		var fired []string
		for _, id := range b.RelatedRules {
			if applied[id] {
				fired = append(fired, id)
			}
		}
		if len(fired) == 0 {
			return nil, false
		}
		why = append(why, "related rule applied: "+strings.Join(fired, ", "))
	}
	if len(why) == 0 {
		why = append(why, "shown to everyone in its window")
	}
	return why, true
}

// rotate applies the placement's rotation to the matching blocks, which are
// in order (priority, then id).
func rotate(p *rules.Placement, bs []BlockResult, visitor string, view int, explain bool) []BlockResult {
	n := len(bs)
	out := []BlockResult{}
	if n == 0 {
		return out
	}
	k := p.MaxBlocks(n)
	note := func(r BlockResult, s string) BlockResult {
		if explain {
			r.Why = append(slices.Clone(r.Why), s)
		}
		return r
	}
	view = max(view, 0)
	switch p.Rotation {
	case rules.RotateRandom:
		// Stable per visitor (a hash of visitor and placement), uniform
		// when the visitor is unknown.
		var order []int
		if visitor != "" {
			order = rand.New(rand.NewPCG(seed(visitor, p.ID, 0), 0)).Perm(n)
		} else {
			order = rand.Perm(n)
		}
		for _, i := range order[:k] {
			out = append(out, note(bs[i], "picked at random"+ifVisitor(visitor, ", stable for this visitor")))
		}
	case rules.RotateSeries:
		for j := range k {
			i := (view + j) % n
			out = append(out, note(bs[i], fmt.Sprintf("series position %d of %d (view %d)", i+1, n, view)))
		}
	case rules.RotateShuffle:
		// One permutation per cycle of n views, seeded by visitor and
		// cycle; view mod n walks it, so within a cycle no block repeats.
		cycle, at := view/n, view%n
		order := rand.New(rand.NewPCG(seed(visitor, p.ID, uint64(cycle)), uint64(cycle))).Perm(n)
		for j := range k {
			i := order[(at+j)%n]
			out = append(out, note(bs[i], fmt.Sprintf("shuffle cycle %d, position %d of %d", cycle+1, (at+j)%n+1, n)))
		}
	default:
		for _, b := range bs[:k] {
			out = append(out, note(b, "shown in priority order"))
		}
	}
	return out
}

func ifVisitor(visitor, s string) string {
	if visitor == "" {
		return ""
	}
	return s
}

// seed hashes a visitor, a placement and a cycle into a PRNG seed, so that
// choices are the same on every server that sees the same visitor.
func seed(visitor, placement string, cycle uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(visitor))
	h.Write([]byte{0})
	h.Write([]byte(placement))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], cycle)
	h.Write(b[:])
	return h.Sum64()
}
