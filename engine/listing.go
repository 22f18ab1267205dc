package engine

import (
	"slices"
	"time"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/rules"
)

// This file is the listings of placements and blocks, for dashboards and
// test runners: what a compiled program holds, without evaluating a cart.

// BlockInfo describes one compiled dynamic block for listings.
type BlockInfo struct {
	Block     *rules.Block
	Placement *rules.Placement
	// Status is RuleEnabled, RuleDisabled, RuleScheduled or RuleExpired at
	// the instant asked about.
	Status string
	// Audiences are the names of the audiences its condition names, in
	// registry order.
	Audiences []string
}

// Placements returns the placements, sorted by id. Treat them as read-only.
func (p *Program) Placements() []*rules.Placement {
	out := make([]*rules.Placement, 0, len(p.placementIDs))
	for _, id := range p.placementIDs {
		out = append(out, p.placements[id].Placement)
	}
	return out
}

// Blocks lists the dynamic blocks by placement (sorted by id), each
// placement's in selection order (priority, then id), with their status at
// now.
func (p *Program) Blocks(now time.Time) []BlockInfo {
	var out []BlockInfo
	for _, id := range p.placementIDs {
		pl := p.placements[id]
		for _, b := range pl.blocks {
			out = append(out, BlockInfo{Block: b.Block, Placement: pl.Placement, Status: b.status(now), Audiences: p.audiencesOf(b.when)})
		}
	}
	return out
}

// audiencesOf returns the names of the audiences the compiled conditions
// name, in registry order; nil when they name none.
func (p *Program) audiencesOf(progs ...*dsl.Program) []string {
	var seen []int
	for _, prog := range progs {
		if prog != nil {
			seen = append(seen, prog.Audiences()...)
		}
	}
	var out []string
	for i, a := range p.audiences {
		if slices.Contains(seen, i) {
			out = append(out, a.Name)
		}
	}
	return out
}
