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

func (c *checkCmd) run(e *env) int {
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled check:", err)
		return exitCantRun
	}
	prog, diags := b.Program, b.Diags
	if prog != nil {
		// Lint checks other things than the pipeline: all of both.
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
			fmt.Fprintln(e.stderr, diag.Plural(diags.Errors(), "error"))
		}
		return exitWrong
	}
	if c.Format != "json" {
		fmt.Fprintf(e.stdout, "%s: ok\n", prog.Summary())
	}
	return exitOK
}
