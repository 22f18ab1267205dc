package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/gitrev"
	"github.com/ruled/ruled/whatif"
)

type diffCmd struct {
	Base      string   `required:"" help:"The rules before the change: a directory, or a git revision (origin/main, HEAD~1) of the repository holding --rules, read without touching the work tree. A directory of that name wins." placeholder:"DIR|REV"`
	Corpus    string   `required:"" help:"The carts: an NDJSON file (plain or gzip) or a directory of them (see ruled corpus)." placeholder:"PATH"`
	At        string   `help:"Evaluate every cart at this instant (RFC 3339, or YYYY-MM-DD for the start of that day in the rules' time zone); default: each cart's own now, else the current time." placeholder:"TIME"`
	Format    string   `help:"Output: text, json or md (a pull-request comment)." enum:"text,json,md" default:"text"`
	Placement []string `help:"Also choose this placement's blocks for every cart (repeatable)." placeholder:"ID"`
	Top       int      `help:"How many of the largest increases to explain." default:"10"`
	Workers   int      `help:"Carts evaluated in parallel (default: one per core)." default:"0"`
}

// run compares the rules in --rules with --base over the corpus. Exit 0:
// no cart changed; 1: some did; 2: the comparison could not run (rules
// with errors included, so that 1 always means "look at the report").
func (c *diffCmd) run(e *env) int {
	head, ok := c.compile(e, e.rules, e.rules)
	if !ok {
		return exitCantRun
	}
	baseDir, baseLabel := c.Base, c.Base
	if st, err := os.Stat(c.Base); err != nil || !st.IsDir() {
		tree, err := gitrev.Checkout(e.ctx, e.rules, c.Base)
		if err != nil {
			fmt.Fprintf(e.stderr, "ruled diff: --base %s is not a directory, and as a git revision: %v\n", c.Base, err)
			return exitCantRun
		}
		defer tree.Remove()
		baseDir, baseLabel = tree.Dir, fmt.Sprintf("%s (%.12s)", c.Base, tree.Commit)
	}
	base, ok := c.compile(e, baseDir, baseLabel)
	if !ok {
		return exitCantRun
	}
	opt := whatif.Options{Placements: c.Placement, Workers: c.Workers, Top: c.Top}
	if c.At != "" {
		at, err := parseInstant(c.At, head.Location())
		if err != nil {
			fmt.Fprintln(e.stderr, "ruled diff: --at:", err)
			return exitCantRun
		}
		opt.At = at
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	src := func(fn func(*corpus.Entry, error) error) error { return corpus.Scan(c.Corpus, fn) }
	r, err := whatif.Compare(e.ctx, whatif.Side{Label: baseLabel, Program: base}, whatif.Side{Label: e.rules, Program: head}, src, opt)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled diff:", err)
		return exitCantRun
	}
	took := time.Since(start)
	r.Corpus = c.Corpus
	fmt.Fprintf(e.stderr, "ruled diff: %d carts in %s (%.0f carts/s, %d workers)\n",
		r.Carts, took.Round(time.Millisecond), float64(r.Carts)/took.Seconds(), opt.Workers)
	render := whatif.Text
	switch c.Format {
	case "json":
		render = whatif.JSON
	case "md":
		render = whatif.Markdown
	}
	if err := render(e.stdout, r); err != nil {
		fmt.Fprintln(e.stderr, "ruled diff:", err)
		return exitCantRun
	}
	if r.HasChanges() {
		return exitWrong
	}
	return exitOK
}

// compile loads and compiles one side, printing its diagnostics.
func (c *diffCmd) compile(e *env, dir, label string) (*engine.Program, bool) {
	b, err := load(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "ruled diff: %s: %v\n", label, err)
		return nil, false
	}
	diag.Fprint(e.stderr, b.Diags)
	prog := b.Program
	if prog == nil {
		fmt.Fprintf(e.stderr, "ruled diff: the rules of %s have errors\n", label)
		return nil, false
	}
	return prog, true
}

// parseInstant reads an RFC 3339 instant or a date, the start of that day
// in loc.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-11-27T09:00:00-05:00) or a date (2026-11-27)", s)
}
