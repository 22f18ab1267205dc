package rules

import (
	"encoding/json"
	"slices"

	"github.com/ruled/ruled/diag"
)

// Rotation is how a placement shows the blocks that match.
type Rotation string

// Rotation modes, as Magento's dynamic block rotator offers them.
const (
	RotateAll     Rotation = "all"     // every matching block, in order
	RotateRandom  Rotation = "random"  // one, stable per visitor
	RotateSeries  Rotation = "series"  // the one at view mod n
	RotateShuffle Rotation = "shuffle" // all, in an order that never repeats a block within a cycle
)

// Rotations lists the valid modes, for messages.
var Rotations = []Rotation{RotateAll, RotateRandom, RotateSeries, RotateShuffle}

// Placement is a place on a page where dynamic blocks show (a hero banner
// slot, a promo strip).
type Placement struct {
	ID       string
	Name     string
	Rotation Rotation // "all" when not written
	// Limit caps how many blocks are returned; 0 means the default: all
	// for all and shuffle, 1 for random and series.
	Limit  int
	Pos    diag.Pos
	Fields map[string]diag.Pos
}

// MaxBlocks is how many blocks the placement returns at most, given n
// candidates.
func (p *Placement) MaxBlocks(n int) int {
	limit := p.Limit
	if limit == 0 {
		switch p.Rotation {
		case RotateRandom, RotateSeries:
			limit = 1
		default:
			limit = n
		}
	}
	return min(limit, n)
}

// Block is a dynamic block: content shown in a placement to the shoppers
// its targeting selects.
type Block struct {
	ID             string
	Name           string
	Enabled        bool
	Placement      string // a placement id
	Websites       []string
	CustomerGroups []string
	From, To       Bound
	Priority       int
	When           Expr // over the same cart and audiences as cart rules
	// RelatedRules are cart rule ids: when set, the block shows only if at
	// least one of them applied to the cart in the same request.
	RelatedRules []string
	// Content is the block's text or HTML, written inline or read from
	// ContentFile (a path relative to the file that declares the block).
	Content     string
	ContentFile string
	// Data is free-form JSON returned as-is to headless front ends.
	Data   json.RawMessage
	Pos    diag.Pos
	Fields map[string]diag.Pos
}

// FieldPos returns the position of the named field's value, or of the block.
func (b *Block) FieldPos(name string) diag.Pos {
	if p, ok := b.Fields[name]; ok {
		return p
	}
	return b.Pos
}

func (p *Placement) fieldPos(name string) diag.Pos {
	if q, ok := p.Fields[name]; ok {
		return q
	}
	return p.Pos
}

// validateBlocks checks placements and blocks, and their references to
// each other and to cart rules.
func validateBlocks(l *diag.List, s *Set) {
	places := map[string]diag.Pos{}
	var placeIDs []string
	placePos := func(i int) diag.Pos { return s.Placements[i].fieldPos("id") }
	firstPlace := firsts(len(s.Placements), func(i int) string { return s.Placements[i].ID }, placePos)
	for i := range s.Placements {
		p := &s.Placements[i]
		switch {
		case p.ID == "":
			l.Add(p.Pos, "missing-field", "placement has no id")
		case !ValidID(p.ID):
			l.Add(p.fieldPos("id"), "invalid-id", "invalid placement id %s: use lower-case letters, digits, '.', '_' and '-'", q(p.ID))
		}
		if f, ok := firstPlace[p.ID]; ok && f != i {
			l.Add(placePos(i), "duplicate-placement-id", "duplicate placement id %s: already used at %s", q(p.ID), placePos(f))
		} else if p.ID != "" {
			places[p.ID] = p.fieldPos("id")
			placeIDs = append(placeIDs, p.ID)
		}
		if p.Rotation != "" && !slices.Contains(Rotations, p.Rotation) {
			l.Add(p.fieldPos("rotation"), "invalid-value", "unknown rotation %s: want one of %s%s",
				q(p.Rotation), list(Rotations), diag.DidYouMean(string(p.Rotation), strs(Rotations)))
		}
		if p.Limit < 0 {
			l.Add(p.fieldPos("limit"), "invalid-value", "limit %d is negative: use 0 for the rotation's default", p.Limit)
		}
	}
	ruleIDs := make([]string, 0, len(s.CartRules))
	for i := range s.CartRules {
		ruleIDs = append(ruleIDs, s.CartRules[i].ID)
	}
	blockPos := func(i int) diag.Pos { return s.Blocks[i].FieldPos("id") }
	firstBlock := firsts(len(s.Blocks), func(i int) string { return s.Blocks[i].ID }, blockPos)
	for i := range s.Blocks {
		b := &s.Blocks[i]
		switch {
		case b.ID == "":
			l.Add(b.Pos, "missing-field", "block has no id")
		case !ValidID(b.ID):
			l.Add(b.FieldPos("id"), "invalid-id", "invalid block id %s: use lower-case letters, digits, '.', '_' and '-'", q(b.ID))
		}
		if f, ok := firstBlock[b.ID]; ok && f != i {
			l.Add(blockPos(i), "duplicate-block-id", "duplicate block id %s: already used at %s", q(b.ID), blockPos(f))
		}
		if b.Name == "" {
			l.Add(b.Pos, "missing-field", "block %s has no name", q(b.ID))
		}
		_, known := places[b.Placement]
		switch {
		case b.Placement == "":
			l.Add(b.Pos, "missing-field", "block %s has no placement: name the placement it shows in", q(b.ID))
		case !known:
			l.Add(b.FieldPos("placement"), "unknown-placement", "unknown placement %s%s", q(b.Placement), diag.DidYouMean(b.Placement, placeIDs))
		}
		for _, id := range b.RelatedRules {
			if !slices.Contains(ruleIDs, id) {
				l.Add(b.FieldPos("related_rules"), "unknown-rule", "unknown cart rule %s in related_rules%s", q(id), diag.DidYouMean(id, ruleIDs))
			}
		}
		if _, inline := b.Fields["content"]; inline && b.ContentFile != "" {
			l.Add(b.FieldPos("content"), "conflicting-fields", "block %s has both content and content_file: keep one", q(b.ID))
		}
		if b.Content == "" && b.ContentFile == "" && len(b.Data) == 0 {
			l.Warn(b.Pos, "empty-block", "block %s has no content, content_file or data: it would show nothing", q(b.ID))
		}
		if !b.Enabled {
			l.Warn(b.FieldPos("enabled"), "never-shows", "block %s is disabled: it never shows", q(b.ID))
		}
		validateWindow(l, "block", b.From, b.To, b.FieldPos)
	}
}
