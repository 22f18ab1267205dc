package server

import (
	"fmt"
	"github.com/ruled/ruled/membership"
	"log/slog"
	"net/http"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

// This file is the dynamic blocks over REST: choosing them for a shopper
// (POST /v1/blocks) and listing them (GET /v1/blocks).

// blocksAnswer is the answer of POST /v1/blocks.
type blocksAnswer struct {
	// Blocks are the chosen blocks of every placement asked for, by
	// placement id; a placement with none has an empty list.
	Blocks map[string][]engine.BlockResult `json:"blocks"`
	// Errors are block conditions and cart rules that failed at run time;
	// each was skipped.
	Errors []engine.RuleError `json:"errors"`
}

// chooseBlocks answers POST /v1/blocks: {placements, cart, segments,
// visitor_id, view} in, the blocks of each placement out; ?explain=true
// adds why each block was chosen. Without a cart, the blocks are chosen for
// an empty one (website base, group guest) and the shopper's membership.
func (s *Server) chooseBlocks(w http.ResponseWriter, r *http.Request) {
	g, t := s.load()
	if g == nil {
		notReady(w)
		return
	}
	req, ok := s.readDecision(w, r, t)
	if !ok {
		return
	}
	defer req.release()
	var d *decision
	j, err := engine.ParseJSON(req.body)
	if err == nil {
		defer j.Release()
		d, err = blocksDecision(j.Root(), g.Program)
	}
	var res *engine.Result
	if err == nil {
		if req.who.untrusted {
			d.ids = req.ids // the body's segments are not believed
		} else {
			d.ids = membership.Union(req.ids, d.ids)
		}
		d.who = req.who
		d.opt.Explain = req.opt.Explain
		res, err = s.decide(g, d, "rest")
	}
	if err != nil {
		inputError(w, err)
		return
	}
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("blocks", "request_id", info(r).id, "version", g.Version,
			"placements", d.opt.Placements, "segments", len(d.ids), "cart", d.cart != nil, "explain", d.opt.Explain)
	}
	writeJSON(w, http.StatusOK, blocksOf(res))
}

func blocksOf(res *engine.Result) blocksAnswer {
	a := blocksAnswer{Blocks: res.Blocks, Errors: res.Errors}
	if a.Blocks == nil {
		a.Blocks = map[string][]engine.BlockResult{}
	}
	if a.Errors == nil {
		a.Errors = []engine.RuleError{}
	}
	return a
}

// placementView is one placement, as GET /v1/blocks lists it.
type placementView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Rotation string `json:"rotation"`
	// Limit is how many blocks it returns at most; 0: the rotation's
	// default (all for all and shuffle, 1 for random and series).
	Limit int32 `json:"limit"`
	// Blocks are the ids of its blocks in selection order (priority, then
	// id), whatever their status.
	Blocks []string `json:"blocks"`
	File   string   `json:"file"`
	Line   int32    `json:"line"`
}

// blockView is one dynamic block with its status at the time asked.
type blockView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Placement string `json:"placement"`
	Enabled   bool   `json:"enabled"`
	// Status is enabled (in its window, or it has none), disabled,
	// scheduled (its window has not started) or expired.
	Status         string   `json:"status"`
	Priority       int32    `json:"priority"`
	From           *string  `json:"from"` // as written; null when open
	To             *string  `json:"to"`
	Websites       []string `json:"websites"`
	CustomerGroups []string `json:"customer_groups"`
	// Audiences are the names of the audiences its condition uses.
	Audiences []string `json:"audiences"`
	// RelatedRules are the cart rules of which one must apply for it to
	// show.
	RelatedRules []string `json:"related_rules"`
	// ContentFile is the file its content is read from, as written; null
	// when the content is inline (or there is none).
	ContentFile *string `json:"content_file"`
	File        string  `json:"file"`
	Line        int32   `json:"line"`
}

// listBlocks lists the placements and blocks of g, blocks with their status
// at now; with placement, only that placement and its blocks.
func listBlocks(g *engine.Generation, now time.Time, placement string) ([]placementView, []blockView) {
	pls := []placementView{}
	byID := map[string]*placementView{}
	for _, pl := range g.Program.Placements() {
		if placement != "" && pl.ID != placement {
			continue
		}
		rot := string(pl.Rotation)
		if rot == "" {
			rot = "all"
		}
		pls = append(pls, placementView{ID: pl.ID, Name: pl.Name, Rotation: rot, Limit: int32(pl.Limit),
			Blocks: []string{}, File: pl.Pos.File, Line: int32(pl.Pos.Line)})
	}
	for i := range pls {
		byID[pls[i].ID] = &pls[i]
	}
	bls := []blockView{}
	for _, bi := range g.Program.Blocks(now) {
		b := bi.Block
		pv := byID[b.Placement]
		if pv == nil {
			continue
		}
		pv.Blocks = append(pv.Blocks, b.ID)
		v := blockView{ID: b.ID, Name: b.Name, Placement: b.Placement, Enabled: b.Enabled, Status: bi.Status,
			Priority: int32(b.Priority), From: bound(b.From.String()), To: bound(b.To.String()),
			Websites: nonNil(b.Websites), CustomerGroups: nonNil(b.CustomerGroups), Audiences: nonNil(bi.Audiences),
			RelatedRules: nonNil(b.RelatedRules), ContentFile: bound(b.ContentFile),
			File: b.Pos.File, Line: int32(b.Pos.Line)}
		bls = append(bls, v)
	}
	return pls, bls
}

// placementParam checks an optional placement id against g's placements.
func placementParam(g *engine.Generation, id string) *apiError {
	if id == "" {
		return nil
	}
	var ids []string
	for _, pl := range g.Program.Placements() {
		if pl.ID == id {
			return nil
		}
		ids = append(ids, pl.ID)
	}
	return &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Field: "query:placement",
		Message: fmt.Sprintf("unknown placement %q%s", id, diag.DidYouMean(id, ids))}
}

// blocks answers GET /v1/blocks?placement=: the placements and their blocks,
// with each block's status now.
func (s *Server) blocks(w http.ResponseWriter, r *http.Request) {
	g := s.live.Load()
	if g == nil {
		notReady(w)
		return
	}
	placement := r.URL.Query().Get("placement")
	if aerr := placementParam(g, placement); aerr != nil {
		aerr.write(w)
		return
	}
	pls, bls := listBlocks(g, s.opt.Now(), placement)
	writeJSON(w, http.StatusOK, struct {
		Version    string          `json:"version"`
		Placements []placementView `json:"placements"`
		Blocks     []blockView     `json:"blocks"`
	}{g.Version, pls, bls})
}
