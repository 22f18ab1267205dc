package server

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
)

// This file is the listings: the audience dashboard's data and the rules
// with their status, for REST and GraphQL alike.

// audienceView is one audience of the registry, as the dashboard shows it.
type audienceView struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Origin      string  `json:"origin"`
	Updated     *string `json:"updated"` // RFC 3339; null when unknown
	// Rules are the ids of the rules whose conditions name the audience,
	// in application order.
	Rules []string `json:"rules"`
	// Blocks are the ids of the dynamic blocks whose conditions name it.
	Blocks []string `json:"blocks"`
	// Removed is when the CDP stopped activating the audience (RFC 3339);
	// absent while it is activated. Rules naming it cannot apply.
	Removed *string `json:"removed,omitempty"`

	sortTime time.Time // Updated, for sorting
}

// ruleView is one cart rule with its status at the time asked.
type ruleView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Label   string `json:"label"`
	Enabled bool   `json:"enabled"`
	// Status is enabled (in its window, or it has none), disabled,
	// scheduled (its window has not started) or expired.
	Status   string   `json:"status"`
	Priority int32    `json:"priority"`
	From     *string  `json:"from"` // as written; null when open
	To       *string  `json:"to"`
	Coupons  []string `json:"coupons"`
	// Audiences are the names of the audiences its conditions use.
	Audiences []string `json:"audiences"`
	File      string   `json:"file"`
	Line      int32    `json:"line"`
	// Applied counts the evaluations the rule applied in since the server
	// started, and Discount is what it took off in them, one exact sum per
	// currency (REST only; filled by the rules handler).
	Applied  uint64        `json:"applied"`
	Discount []usageAmount `json:"discount"`
}

// usageAmount is a sum of discounts in one currency.
type usageAmount struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// Audience sort keys and orders.
var (
	audienceSorts = []string{"name", "updated", "origin"}
	sortOrders    = []string{"asc", "desc"}
)

// listRules lists the rules of g in application order with their status at
// now.
func listRules(g *engine.Generation, now time.Time) []ruleView {
	infos := g.Program.Rules(now)
	out := make([]ruleView, len(infos))
	for i, ri := range infos {
		r := ri.Rule
		out[i] = ruleView{
			ID: r.ID, Name: r.Name, Label: r.DisplayLabel(), Enabled: r.Enabled, Status: ri.Status,
			Priority: int32(r.Priority), From: bound(r.From.String()), To: bound(r.To.String()),
			Coupons: nonNil(r.Coupons), Audiences: nonNil(ri.Audiences),
			File: r.Pos.File, Line: int32(r.Pos.Line),
		}
	}
	return out
}

func bound(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// listAudiences lists the audiences of g whose name or id contains q
// (ignoring case), sorted by key ("name", "updated", "origin") in order
// ("asc", "desc"); ties go by name, then id. Audiences with no known update
// time sort last either way.
func listAudiences(g *engine.Generation, q, key, order string) []audienceView {
	users := map[string][]string{} // audience name → rule ids
	for _, ri := range g.Program.Rules(time.Time{}) {
		for _, a := range ri.Audiences {
			users[a] = append(users[a], ri.Rule.ID)
		}
	}
	blocks := map[string][]string{} // audience name → block ids
	for _, bi := range g.Program.Blocks(time.Time{}) {
		for _, a := range bi.Audiences {
			blocks[a] = append(blocks[a], bi.Block.ID)
		}
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := []audienceView{}
	for _, a := range g.Program.Set().Audiences {
		if q != "" && !strings.Contains(strings.ToLower(a.Name), q) && !strings.Contains(strings.ToLower(a.ID), q) {
			continue
		}
		v := audienceView{ID: a.ID, Name: a.Name, Description: a.Description, Origin: a.Origin,
			Rules: nonNil(users[a.Name]), Blocks: nonNil(blocks[a.Name]), sortTime: a.Updated}
		if !a.Updated.IsZero() {
			v.Updated = bound(a.Updated.Format(time.RFC3339))
		}
		if !a.Removed.IsZero() {
			v.Removed = bound(a.Removed.Format(time.RFC3339))
		}
		out = append(out, v)
	}
	desc := order == "desc"
	slices.SortStableFunc(out, func(a, b audienceView) int {
		var c int
		switch key {
		case "updated":
			if a.sortTime.IsZero() != b.sortTime.IsZero() { // unknown last
				if a.sortTime.IsZero() {
					return 1
				}
				return -1
			}
			c = a.sortTime.Compare(b.sortTime)
		case "origin":
			c = strings.Compare(strings.ToLower(a.Origin), strings.ToLower(b.Origin))
		}
		c = cmp.Or(c, strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	return out
}

// audiences answers GET /v1/audiences?q=&sort=name|updated|origin&order=asc|desc.
func (s *Server) audiences(w http.ResponseWriter, r *http.Request) {
	g := s.live.Load()
	if g == nil {
		notReady(w)
		return
	}
	query := r.URL.Query()
	key, aerr := choice(query.Get("sort"), "sort", audienceSorts)
	if aerr != nil {
		aerr.write(w)
		return
	}
	order, aerr := choice(query.Get("order"), "order", sortOrders)
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Version   string         `json:"version"`
		Audiences []audienceView `json:"audiences"`
	}{g.Version, listAudiences(g, query.Get("q"), key, order)})
}

// rules answers GET /v1/rules.
func (s *Server) rules(w http.ResponseWriter, r *http.Request) {
	g := s.live.Load()
	if g == nil {
		notReady(w)
		return
	}
	list := listRules(g, s.opt.Now())
	usage := s.metrics.usage.snapshot()
	for i := range list {
		u := usage[list[i].ID]
		list[i].Applied, list[i].Discount = u.Applied, []usageAmount{}
		for _, a := range u.Discount {
			list[i].Discount = append(list[i].Discount, usageAmount{a.Currency, a.Value})
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Version string     `json:"version"`
		Rules   []ruleView `json:"rules"`
	}{g.Version, list})
}

// choice reads an optional query parameter with a fixed set of values; the
// first is the default.
func choice(v, name string, allowed []string) (string, *apiError) {
	if v == "" {
		return allowed[0], nil
	}
	v = strings.ToLower(v)
	if slices.Contains(allowed, v) {
		return v, nil
	}
	return "", &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Field: "query:" + name,
		Message: fmt.Sprintf("query parameter %s is %q: want one of %s", name, v, strings.Join(allowed, ", "))}
}
