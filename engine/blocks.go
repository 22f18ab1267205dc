package engine

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/bits"
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
	idx    blockIndex
}

// blockIndex lists a placement's blocks (indexes into its blocks,
// ascending) as the rule index lists rules: under the audiences, categories,
// SKUs and attributes one of which a block's condition requires, else in
// always. A banner placement with hundreds of blocks, most for one
// audience each, reads the lists of the shopper's audiences.
type blockIndex struct {
	always     []int32
	byAudience map[int][]int32
	lineIndex
}

// block is a dynamic block ready to select.
type block struct {
	*rules.Block
	when   *dsl.Program
	native dsl.Native // when as Go code, when it has that form
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
		pl.index()
	}
}

func (pl *placement) index() {
	pl.idx = blockIndex{byAudience: map[int][]int32{}, lineIndex: newLineIndex()}
	for i, b := range pl.blocks {
		at := int32(i)
		if b.when != nil {
			b.native = b.when.Native()
		}
		var need dsl.Requirement
		ok := false
		if b.when != nil {
			need, ok = b.when.Requires()
		}
		if !ok || need.Size() == 0 {
			pl.idx.always = append(pl.idx.always, at)
			continue
		}
		for _, a := range need.Audiences {
			pl.idx.byAudience[a] = append(pl.idx.byAudience[a], at)
		}
		pl.idx.lineIndex.add(at, need)
	}
}

// candidates returns the indexes of the placement's blocks the index lists
// for the evaluation's cart, ascending, in set (reused).
func (pl *placement) candidates(ev *evaluation, set []uint64, out []int32) []int32 {
	words := (len(pl.blocks) + 63) / 64
	set = set[:words]
	add := func(l []int32) {
		for _, i := range l {
			set[i>>6] |= 1 << (i & 63)
		}
	}
	add(pl.idx.always)
	if len(pl.idx.byAudience) > 0 {
		for _, id := range ev.cart.Segments {
			if a, ok := ev.p.byID[id]; ok {
				add(pl.idx.byAudience[a])
			}
		}
	}
	pl.idx.lists(ev.env.Items, add)
	out = out[:0]
	for w, word := range set {
		for ; word != 0; word &= word - 1 {
			out = append(out, int32(w<<6|bits.TrailingZeros64(word)))
		}
		set[w] = 0
	}
	return out
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
		try := func(b *block) {
			if why, ok := ev.blockMatches(b, applied, opt.Explain); ok {
				matched = append(matched, BlockResult{ID: b.ID, Name: b.Name, Content: b.Content, Data: b.Data, Why: why})
			}
		}
		if ev.s == nil {
			// The walk over every rule walks every block too: the oracle
			// the indexed walk is held to.
			for _, b := range pl.blocks {
				try(b)
			}
		} else {
			words := (len(pl.blocks) + 63) / 64
			if cap(ev.s.blockBits) < words {
				ev.s.blockBits = make([]uint64, words)
			}
			ev.s.blockCands = pl.candidates(ev, ev.s.blockBits[:words], ev.s.blockCands)
			for _, i := range ev.s.blockCands {
				try(pl.blocks[i])
			}
		}
		ev.res.Blocks[id] = rotate(pl.Placement, matched, opt.VisitorID, opt.View, opt.Explain)
	}
	return nil
}

// blockMatches applies a block's targeting: enabled, website, group, dates,
// condition, related rules. A condition that fails at run time is reported
// and the block left out. why, with explain, says what made it match.
func (ev *evaluation) blockMatches(b *block, applied map[string]bool, explain bool) (why []string, ok bool) {
	if b.miss(ev.env.Website, ev.env.Customer.Group, ev.nowNS) != "" {
		return nil, false
	}
	if b.when != nil {
		if b.native != nil && ev.s != nil {
			ok = b.native(&ev.env, nil)
		} else {
			var err error
			if ok, err = ev.m.Eval(b.when, ev.boxed); err != nil {
				ev.res.Errors = append(ev.res.Errors, RuleError{Rule: "block " + b.ID, Message: err.Error()})
				return nil, false
			}
		}
		if !ok {
			return nil, false
		}
		if explain {
			why = append(why, "condition holds: "+b.When.Text)
		}
	}
	if len(b.RelatedRules) > 0 {
		var fired []string
		for _, id := range b.RelatedRules {
			if applied[id] {
				fired = append(fired, id)
				if !explain {
					break // one is enough; the reason names them all
				}
			}
		}
		if len(fired) == 0 {
			return nil, false
		}
		if explain {
			why = append(why, "related rule applied: "+strings.Join(fired, ", "))
		}
	}
	if explain && len(why) == 0 {
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
	note := func(r BlockResult, s func() string) BlockResult {
		if explain {
			r.Why = append(slices.Clone(r.Why), s())
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
			out = append(out, note(bs[i], func() string { return "picked at random" + ifVisitor(visitor, ", stable for this visitor") }))
		}
	case rules.RotateSeries:
		for j := range k {
			i := (view + j) % n
			out = append(out, note(bs[i], func() string { return fmt.Sprintf("series position %d of %d (view %d)", i+1, n, view) }))
		}
	case rules.RotateShuffle:
		// One permutation per cycle of n views, seeded by visitor and
		// cycle; view mod n walks it, so within a cycle no block repeats.
		cycle, at := view/n, view%n
		order := rand.New(rand.NewPCG(seed(visitor, p.ID, uint64(cycle)), uint64(cycle))).Perm(n)
		for j := range k {
			i := order[(at+j)%n]
			out = append(out, note(bs[i], func() string {
				return fmt.Sprintf("shuffle cycle %d, position %d of %d", cycle+1, (at+j)%n+1, n)
			}))
		}
	default:
		for _, b := range bs[:k] {
			out = append(out, note(b, func() string { return "shown in priority order" }))
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
