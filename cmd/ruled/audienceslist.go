package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ruled/ruled/diag"
)

type audiencesListCmd struct {
	Search string `help:"Only audiences whose name, segment id or description holds this text (ignoring case)." placeholder:"TEXT"`
	Origin string `help:"Only audiences of this origin, e.g. \"Experience Platform\"." placeholder:"ORIGIN"`
	Sort   string `help:"Sort by name, updated, origin, id or used." enum:"name,updated,origin,id,used" default:"name"`
	Order  string `help:"asc or desc." enum:"asc,desc" default:"asc"`
	Format string `help:"Output format: text or json." enum:"text,json" default:"text"`
}

// audienceListing is one audience of `ruled audiences list`.
type audienceListing struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Origin      string     `json:"origin"`
	Updated     *time.Time `json:"updated"`
	Removed     *time.Time `json:"removed,omitempty"`
	Rules       []string   `json:"rules"`
	Blocks      []string   `json:"blocks"`
	File        string     `json:"file"`
}

func (c *audiencesListCmd) run(e *env) int {
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	prog := b.Program
	if prog == nil {
		diag.Fprint(e.stderr, b.Diags)
		return exitWrong
	}
	rulesOf, blocksOf := map[string][]string{}, map[string][]string{}
	for _, ri := range prog.Rules(time.Time{}) {
		for _, a := range ri.Audiences {
			rulesOf[a] = append(rulesOf[a], ri.Rule.ID)
		}
	}
	for _, bi := range prog.Blocks(time.Time{}) {
		for _, a := range bi.Audiences {
			blocksOf[a] = append(blocksOf[a], bi.Block.ID)
		}
	}
	q := strings.ToLower(strings.TrimSpace(c.Search))
	out := []audienceListing{}
	for _, a := range prog.Set().Audiences {
		if c.Origin != "" && !strings.EqualFold(a.Origin, c.Origin) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(a.Name+"\x00"+a.ID+"\x00"+a.Description), q) {
			continue
		}
		l := audienceListing{ID: a.ID, Name: a.Name, Description: a.Description, Origin: a.Origin,
			Rules: nonEmpty(rulesOf[a.Name]), Blocks: nonEmpty(blocksOf[a.Name]), File: a.Pos.String()}
		if !a.Updated.IsZero() {
			u := a.Updated.UTC()
			l.Updated = &u
		}
		if !a.Removed.IsZero() {
			r := a.Removed.UTC()
			l.Removed = &r
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b audienceListing) int {
		var k int
		switch c.Sort {
		case "updated":
			if (a.Updated == nil) != (b.Updated == nil) { // unknown last, either order
				if a.Updated == nil {
					return 1
				}
				return -1
			}
			if a.Updated != nil {
				k = a.Updated.Compare(*b.Updated)
			}
		case "origin":
			k = strings.Compare(strings.ToLower(a.Origin), strings.ToLower(b.Origin))
		case "id":
			k = strings.Compare(a.ID, b.ID)
		case "used":
			k = cmp.Compare(len(a.Rules)+len(a.Blocks), len(b.Rules)+len(b.Blocks))
		}
		k = cmp.Or(k, strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
		if c.Order == "desc" {
			return -k
		}
		return k
	})
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			Audiences []audienceListing `json:"audiences"`
		}{out})
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AUDIENCE\tLAST MODIFIED\tORIGIN\tSEGMENT ID\tUSED BY")
	for _, a := range out {
		updated := "-"
		if a.Updated != nil {
			updated = a.Updated.Format("2006-01-02 15:04")
		}
		var used []string
		for _, r := range a.Rules {
			used = append(used, "rule "+r)
		}
		for _, b := range a.Blocks {
			used = append(used, "block "+b)
		}
		use := joinOr(used, "UNUSED")
		if a.Removed != nil {
			use += " (NO LONGER ACTIVATED since " + a.Removed.Format("2006-01-02") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, updated, a.Origin, a.ID, use)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d of %d audiences\n", len(out), len(prog.Set().Audiences))
	return exitOK
}

func nonEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
