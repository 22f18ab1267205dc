package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// ruleRow is one cart rule as the dashboard shows it.
type ruleRow struct {
	*rules.CartRule
	URL       string
	Status    string
	Window    string // "2026-11-27 .. 2026-11-30", "from …", "until …", or ""
	Summary   string // a sentence: "50% off matching items, at most 2 each"
	Audiences []audienceRef
	Source    string // file:line
	Usage     Usage
	Blocks    []ref // blocks that show when this rule applied (related_rules)
}

// audienceRef is an audience a rule or block names.
type audienceRef struct {
	Name    string
	URL     string // the audience listing searched for it
	Removed bool   // no longer activated in the CDP
}

// blockRow is one dynamic block as the dashboard shows it.
type blockRow struct {
	*rules.Block
	URL           string
	PlacementName string
	Rotation      string
	Status        string
	Window        string
	Audiences     []audienceRef
	Related       []ref
	Source        string
}

type rulesData struct {
	Rules    []ruleRow
	Blocks   []blockRow
	Currency string
	Now      time.Time
}

func (h *handler) rules(w http.ResponseWriter, r *http.Request, g *engine.Generation) {
	h.render(w, http.StatusOK, "rules", page{Title: "Rules and blocks", Nav: "rules", Gen: g, Data: h.rulesData(g)})
}

func (h *handler) rule(w http.ResponseWriter, r *http.Request, g *engine.Generation) {
	id := r.PathValue("id")
	d := h.rulesData(g)
	for _, rr := range d.Rules {
		if rr.ID == id {
			h.render(w, http.StatusOK, "rule", page{Title: "Rule " + rr.ID, Nav: "rules", Gen: g, Data: rr})
			return
		}
	}
	h.notFound(w, r, http.StatusNotFound, fmt.Sprintf("There is no cart rule %q in version %s of the rules.", id, g.Version))
}

func (h *handler) block(w http.ResponseWriter, r *http.Request, g *engine.Generation) {
	id := r.PathValue("id")
	for _, b := range h.rulesData(g).Blocks {
		if b.ID == id {
			h.render(w, http.StatusOK, "block", page{Title: "Block " + b.ID, Nav: "rules", Gen: g, Data: b})
			return
		}
	}
	h.notFound(w, r, http.StatusNotFound, fmt.Sprintf("There is no dynamic block %q in version %s of the rules.", id, g.Version))
}

// rulesData lists the rules in application order and the blocks by
// placement, with their status now.
func (h *handler) rulesData(g *engine.Generation) rulesData {
	now := h.opt.Now()
	p := g.Program
	removed := map[string]bool{}
	for _, a := range p.Set().Audiences {
		if !a.Removed.IsZero() {
			removed[a.Name] = true
		}
	}
	refs := func(names []string) []audienceRef {
		out := make([]audienceRef, len(names))
		for i, n := range names {
			out[i] = audienceRef{Name: n, URL: h.opt.Base + "/audiences?" + url.Values{"q": {n}}.Encode(), Removed: removed[n]}
		}
		return out
	}
	usage := h.opt.Usage()
	d := rulesData{Currency: p.Currency().Code, Now: now}
	index := map[string]int{}
	for _, ri := range p.Rules(now) {
		r := ri.Rule
		index[r.ID] = len(d.Rules)
		d.Rules = append(d.Rules, ruleRow{
			CartRule: r, URL: h.opt.Base + "/rules/" + url.PathEscape(r.ID), Status: ri.Status,
			Window: window(r.From, r.To), Summary: actionSummary(r.Action, p.Currency()),
			Audiences: refs(ri.Audiences), Source: fileLine(r.Pos), Usage: usage[r.ID],
		})
	}
	for _, bi := range p.Blocks(now) {
		b := bi.Block
		row := blockRow{Block: b, URL: h.opt.Base + "/blocks/" + url.PathEscape(b.ID), PlacementName: bi.Placement.Name,
			Rotation: string(bi.Placement.Rotation), Status: bi.Status, Window: window(b.From, b.To),
			Audiences: refs(bi.Audiences), Source: fileLine(b.Pos)}
		self := ref{"block", b.ID, b.Name, row.URL}
		for _, id := range b.RelatedRules {
			rr := ref{Kind: "rule", ID: id, Name: id}
			if i, ok := index[id]; ok {
				rr.Name, rr.URL = d.Rules[i].Name, d.Rules[i].URL
				d.Rules[i].Blocks = append(d.Rules[i].Blocks, self)
			}
			row.Related = append(row.Related, rr)
		}
		d.Blocks = append(d.Blocks, row)
	}
	return d
}

func window(from, to rules.Bound) string {
	switch {
	case !from.IsZero() && !to.IsZero():
		return from.String() + " .. " + to.String()
	case !from.IsZero():
		return "from " + from.String()
	case !to.IsZero():
		return "until " + to.String()
	}
	return ""
}

// actionSummary says in words what a rule's action does.
func actionSummary(a rules.Action, cur money.Currency) string {
	var parts []string
	on := "every item"
	if !a.Items.IsZero() {
		on = "matching items"
	}
	switch a.Type {
	case rules.ByPercent:
		if !a.Amount.IsZero() || a.FreeShipping == rules.NoFreeShipping || a.FreeShipping == "" {
			parts = append(parts, fmt.Sprintf("%s%% off %s", a.Amount, on))
		}
	case rules.ByFixed:
		parts = append(parts, fmt.Sprintf("%s %s off each unit of %s", cur.Format(a.Amount), cur.Code, on))
	case rules.CartFixed:
		parts = append(parts, fmt.Sprintf("%s %s off the cart, shared over %s", cur.Format(a.Amount), cur.Code, on))
	case rules.BuyXGetY:
		parts = append(parts, fmt.Sprintf("buy %s get %s free on %s", a.Step, a.Amount, on))
	}
	if !a.MaxQty.IsZero() {
		parts = append(parts, fmt.Sprintf("at most %s units a line", a.MaxQty))
	}
	if !a.Step.IsZero() && a.Type != rules.BuyXGetY && a.Type != rules.CartFixed {
		parts = append(parts, fmt.Sprintf("in steps of %s", a.Step))
	}
	if a.ApplyToShipping {
		parts = append(parts, "shipping too")
	}
	switch a.FreeShipping {
	case rules.FreeShippingMatching:
		parts = append(parts, "free shipping for "+on)
	case rules.FreeShippingShipment:
		parts = append(parts, "free shipping for the shipment")
	}
	s := strings.Join(parts, "; ")
	if s == "" {
		return "no discount"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fileLine is where a rule or block starts, as file:line: where an author
// goes to edit it.
func fileLine(p diag.Pos) string {
	p.Col = 0
	return p.String()
}
