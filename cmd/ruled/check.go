package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ruled/ruled/diag"
)

type checkCmd struct {
	Format string `help:"Output format: text or json." enum:"text,json" default:"text"`
}

// merge adds to l the diagnostics of more that l does not already hold at
// the same position with the same code (the loader and the engine both
// check a time zone, say), and sorts the result.
func merge(l, more diag.List) diag.List {
	type key struct {
		pos  diag.Pos
		code string
	}
	seen := map[key]bool{}
	for _, d := range l {
		seen[key{d.Pos, d.Code}] = true
	}
	for _, d := range more {
		if !seen[key{d.Pos, d.Code}] {
			l = append(l, d)
		}
	}
	l.Sort()
	return l
}

func (c *checkCmd) run(e *env) int {
	prog, diags, err := compile(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled check:", err)
		return exitCantRun
	}
	if prog != nil {
		diags = append(diags, prog.Lint(time.Now())...)
		diags.Sort()
	}
	if c.Format == "json" {
		out := struct {
			OK          bool      `json:"ok"`
			Summary     string    `json:"summary,omitempty"`
			Diagnostics diag.List `json:"diagnostics"`
		}{OK: prog != nil, Diagnostics: diags}
		if out.Diagnostics == nil {
			out.Diagnostics = diag.List{}
		}
		if prog != nil {
			out.Summary = prog.Summary()
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		diag.Fprint(e.stderr, diags)
	}
	if prog == nil {
		if c.Format != "json" {
			fmt.Fprintf(e.stderr, "%d errors\n", diags.Errors())
		}
		return exitWrong
	}
	if c.Format != "json" {
		fmt.Fprintf(e.stdout, "%s: ok\n", prog.Summary())
	}
	return exitOK
}
