package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
)

// ref links to a rule or a block.
type ref struct {
	Kind string // "rule" or "block"
	ID   string
	Name string
	URL  string
}

// audienceRow is one audience of the registry as the dashboard lists it.
type audienceRow struct {
	ID, Name, Description, Origin string
	Updated                       time.Time
	Removed                       time.Time // zero while activated
	Users                         []ref     // the rules, then the blocks, that name it
}

// column is a sortable column header.
type column struct {
	Key, Label string
	URL        string // the listing sorted by this column (toggling the order when it is the current one)
	AriaSort   string // ascending, descending or none
}

type audiencesData struct {
	Rows            []audienceRow
	Total           int
	Q, Origin       string
	Sort, Order     string
	Origins         []string
	Columns         []column
	Unused          int   // audiences no rule or block names
	Removed         []ref // rules and blocks naming an audience no longer activated
	RemovedAudience map[string]string
}

// audienceSorts are the keys the listing sorts by; the first is the default.
var audienceSorts = []struct{ key, label string }{
	{"name", "Audience"}, {"updated", "Last Modified"}, {"origin", "Origin"},
	{"id", "Segment ID"}, {"description", "Description"}, {"used", "Used by"},
}

func (h *handler) audiences(w http.ResponseWriter, r *http.Request, g *engine.Generation) {
	q := r.URL.Query()
	d := audiencesData{Q: strings.TrimSpace(q.Get("q")), Origin: q.Get("origin"), Sort: q.Get("sort"), Order: q.Get("order")}
	if d.Sort == "" {
		d.Sort = "name"
	}
	if d.Order == "" {
		d.Order = "asc"
	}
	if !slices.ContainsFunc(audienceSorts, func(s struct{ key, label string }) bool { return s.key == d.Sort }) {
		h.badRequest(w, "sort", d.Sort, "name, updated, origin, id, description or used")
		return
	}
	if d.Order != "asc" && d.Order != "desc" {
		h.badRequest(w, "order", d.Order, "asc or desc")
		return
	}
	all := h.audienceRows(g)
	d.Total = len(all)
	for _, a := range all {
		if !slices.Contains(d.Origins, a.Origin) {
			d.Origins = append(d.Origins, a.Origin)
		}
		if len(a.Users) == 0 {
			d.Unused++
		}
		if !a.Removed.IsZero() {
			d.Removed = append(d.Removed, a.Users...)
		}
	}
	slices.Sort(d.Origins)
	d.Rows = filterAudiences(all, d.Q, d.Origin)
	sortAudiences(d.Rows, d.Sort, d.Order == "desc")
	for _, s := range audienceSorts {
		c := column{Key: s.key, Label: s.label, AriaSort: "none"}
		order := "asc"
		if s.key == d.Sort {
			c.AriaSort = map[string]string{"asc": "ascending", "desc": "descending"}[d.Order]
			if d.Order == "asc" {
				order = "desc"
			}
		}
		v := url.Values{"sort": {s.key}, "order": {order}}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Origin != "" {
			v.Set("origin", d.Origin)
		}
		c.URL = h.opt.Base + "/audiences?" + v.Encode()
		d.Columns = append(d.Columns, c)
	}
	h.render(w, http.StatusOK, "audiences", page{Title: "Audiences", Nav: "audiences", Gen: g, Data: d})
}

// audienceRows lists the registry with the rules and blocks that name each
// audience, in registry order.
func (h *handler) audienceRows(g *engine.Generation) []audienceRow {
	users := map[string][]ref{} // audience name → users
	for _, ri := range g.Program.Rules(time.Time{}) {
		for _, a := range ri.Audiences {
			users[a] = append(users[a], ref{"rule", ri.Rule.ID, ri.Rule.Name, h.opt.Base + "/rules/" + url.PathEscape(ri.Rule.ID)})
		}
	}
	for _, bi := range g.Program.Blocks(time.Time{}) {
		for _, a := range bi.Audiences {
			users[a] = append(users[a], ref{"block", bi.Block.ID, bi.Block.Name, h.opt.Base + "/blocks/" + url.PathEscape(bi.Block.ID)})
		}
	}
	set := g.Program.Set()
	out := make([]audienceRow, 0, len(set.Audiences))
	for _, a := range set.Audiences {
		out = append(out, audienceRow{ID: a.ID, Name: a.Name, Description: a.Description, Origin: a.Origin,
			Updated: a.Updated, Removed: a.Removed, Users: users[a.Name]})
	}
	return out
}

// filterAudiences keeps the audiences whose name, id or description holds
// q (ignoring case) and whose origin is origin (any when empty).
func filterAudiences(rows []audienceRow, q, origin string) []audienceRow {
	q = strings.ToLower(q)
	var out []audienceRow
	for _, a := range rows {
		if origin != "" && a.Origin != origin {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(a.Name), q) && !strings.Contains(strings.ToLower(a.ID), q) &&
			!strings.Contains(strings.ToLower(a.Description), q) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// sortAudiences sorts by key; ties go by name, then id. Audiences with no
// known update time sort last either way, as /v1/audiences does.
func sortAudiences(rows []audienceRow, key string, desc bool) {
	slices.SortStableFunc(rows, func(a, b audienceRow) int {
		var c int
		switch key {
		case "updated":
			if a.Updated.IsZero() != b.Updated.IsZero() {
				if a.Updated.IsZero() {
					return 1
				}
				return -1
			}
			c = a.Updated.Compare(b.Updated)
		case "origin":
			c = strings.Compare(strings.ToLower(a.Origin), strings.ToLower(b.Origin))
		case "id":
			c = strings.Compare(a.ID, b.ID)
		case "description":
			c = strings.Compare(strings.ToLower(a.Description), strings.ToLower(b.Description))
		case "used":
			c = cmp.Compare(len(a.Users), len(b.Users))
		}
		c = cmp.Or(c, strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
}

// badRequest answers a page asked for with a parameter it cannot take.
func (h *handler) badRequest(w http.ResponseWriter, param, got, want string) {
	h.render(w, http.StatusBadRequest, "notfound", page{Title: "Bad request",
		Data: "The query parameter " + param + " is \"" + got + "\": want " + want + "."})
}
