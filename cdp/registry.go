package cdp

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/rules"
)

// Changes is what a Merge did to the registry.
type Changes struct {
	Added   []string  // names of audiences new to the registry
	Renamed []Rename  // audiences whose name changed in the CDP
	Updated []string  // names of audiences whose description, origin or time changed
	Removed []string  // names of audiences dropped: no longer active, and nothing used them
	Kept    []string  // names of audiences no longer active but kept, marked removed, because rules or blocks use them
	Back    []string  // names of audiences marked removed before and active again
	At      time.Time // the instant the merge marked removals with
}

// Rename is an audience whose name changed.
type Rename struct{ From, To string }

// Empty reports whether the merge changed nothing.
func (c Changes) Empty() bool {
	return len(c.Added)+len(c.Renamed)+len(c.Updated)+len(c.Removed)+len(c.Kept)+len(c.Back) == 0
}

// Merge brings the registry up to date with the active audiences pulled from
// the CDP, keyed by segment id:
//
//   - new audiences are added with the CDP's name, description, origin and
//     last modification time;
//   - known ones take the CDP's name, origin and time, but keep a
//     description written by hand (the CDP's fills only an empty one);
//   - an audience no longer active is dropped, unless used(name) says rules
//     or blocks name it: then it stays, marked removed at now (an earlier
//     mark is kept), so that those rules still load and the dashboard
//     flags them;
//   - a marked audience active again loses its mark.
//
// The result is sorted by name (ignoring case), then id, so that the file
// it is written to changes only where the registry did.
func Merge(existing []rules.Audience, pulled []Audience, used func(name string) bool, now time.Time) ([]rules.Audience, Changes) {
	ch := Changes{At: now}
	active := map[string]Audience{}
	for _, a := range pulled {
		if a.Active() {
			active[a.ID] = a
		}
	}
	var out []rules.Audience
	known := map[string]bool{}
	for _, old := range existing {
		known[old.ID] = true
		p, ok := active[old.ID]
		if !ok {
			if used != nil && used(old.Name) {
				if old.Removed.IsZero() {
					old.Removed = now
					ch.Kept = append(ch.Kept, old.Name)
				}
				out = append(out, old)
			} else {
				ch.Removed = append(ch.Removed, old.Name)
			}
			continue
		}
		a := old
		a.Name, a.Origin, a.Removed = p.Name, p.Origin(), time.Time{}
		if !p.Updated.IsZero() {
			a.Updated = p.Updated
		}
		if a.Description == "" {
			a.Description = p.Description
		}
		switch {
		case !old.Removed.IsZero():
			ch.Back = append(ch.Back, a.Name)
		case a.Name != old.Name:
			ch.Renamed = append(ch.Renamed, Rename{old.Name, a.Name})
		case a.Description != old.Description || a.Origin != old.Origin || !a.Updated.Equal(old.Updated):
			ch.Updated = append(ch.Updated, a.Name)
		}
		out = append(out, a)
	}
	for _, p := range pulled {
		if !p.Active() || known[p.ID] {
			continue
		}
		known[p.ID] = true
		out = append(out, rules.Audience{ID: p.ID, Name: p.Name, Description: p.Description, Origin: p.Origin(), Updated: p.Updated})
		ch.Added = append(ch.Added, p.Name)
	}
	slices.SortStableFunc(out, func(a, b rules.Audience) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	})
	for _, l := range [][]string{ch.Added, ch.Updated, ch.Removed, ch.Kept, ch.Back} {
		slices.Sort(l)
	}
	slices.SortFunc(ch.Renamed, func(a, b Rename) int { return strings.Compare(a.From, b.From) })
	return out, ch
}
