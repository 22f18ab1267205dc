package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/ruletest"
)

// testCmd is ruled test: it wires flags to package ruletest, which runs
// every test case (loader.LoadTests) with the program serve would run,
// compares each result with the case's golden entry and expect block, and
// reports each broken expectation at its position. Exit 0 when every
// selected case passes, 1 when any fails, 2 when nothing ran: the rules or
// the test files cannot be loaded, there is no test file, or --run selects
// no case.
type testCmd struct {
	Run     string   `help:"Run only the cases whose name matches this regular expression." placeholder:"REGEXP"`
	Update  bool     `help:"Write or rewrite the golden files with the results of this run; expect blocks are never changed."`
	Verbose bool     `short:"v" help:"Also print a line for every case that passes."`
	Format  string   `help:"Output format: text, or json (one object: every case with its failures at their positions; see package ruletest)." enum:"text,json" default:"text"`
	Paths   []string `arg:"" optional:"" help:"Test files, or folders searched for *.test.yaml; default the rules directory." placeholder:"PATH"`
}

func (c *testCmd) run(e *env) int {
	var rep ruletest.Reporter = ruletest.Text{Out: e.stdout, Err: e.stderr, Verbose: c.Verbose}
	if c.Format == "json" {
		rep = ruletest.JSON{Out: e.stdout}
	}
	notRun := func(r *ruletest.Report, why string) int {
		r.NotRun = why
		_ = rep.Report(r)
		return exitCantRun
	}
	var filter *regexp.Regexp
	if c.Run != "" {
		re, err := regexp.Compile(c.Run)
		if err != nil {
			fmt.Fprintf(e.stderr, "ruled test: --run: %v\n", err)
			return exitCantRun
		}
		filter = re
	}
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled test:", err)
		return exitCantRun
	}
	if b.Program == nil {
		return notRun(&ruletest.Report{Diags: b.Diags}, "the rules could not be loaded")
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{e.rules}
	}
	suite, diags := loader.LoadTests(paths...)
	if len(suite.Files) == 0 && !diags.HasErrors() {
		return notRun(&ruletest.Report{Diags: diags}, fmt.Sprintf("no test files (*.test.yaml) in %s", strings.Join(paths, ", ")))
	}
	r := ruletest.Run(b.Program, suite, ruletest.Options{Filter: filter, Update: c.Update})
	// The loader's checks and the runner's are different checks: every
	// problem of both is reported.
	r.Diags = append(diags, r.Diags...)
	r.Diags.Sort()
	if r.Diags.HasErrors() {
		return notRun(r, "the test files could not be loaded")
	}
	if len(r.Cases) == 0 {
		return notRun(r, fmt.Sprintf("--run %q matches none of the %s in %s", c.Run, diag.Plural(r.Total, "case"), diag.Plural(len(suite.Files), "file")))
	}
	if c.Update {
		if err := r.Update(); err != nil {
			fmt.Fprintln(e.stderr, "ruled test:", err)
			return exitCantRun
		}
	}
	if err := rep.Report(r); err != nil {
		fmt.Fprintln(e.stderr, "ruled test:", err)
		return exitCantRun
	}
	if r.Failed() > 0 {
		return exitWrong
	}
	return exitOK
}
