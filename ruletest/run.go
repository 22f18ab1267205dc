package ruletest

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/membership"
)

// Options tune one run.
type Options struct {
	// Filter selects the cases to run by name; nil runs every case.
	Filter *regexp.Regexp
	// Update says the golden files are about to be rewritten with
	// Report.Update: a golden file that cannot be parsed, or that holds
	// results of cases that are gone, is then no problem.
	Update bool
}

// Report is the outcome of a run.
type Report struct {
	// Cases are the selected cases, in the order of their files (by name)
	// and of the cases in each file.
	Cases []*CaseResult
	// Diags are the problems of the test files and golden files that the
	// runner found (unknown rule ids, carts the engine rejects, a golden
	// file that is not JSON), with source lines, sorted. Any error means
	// the cases cannot be trusted: report the diagnostics, not the cases.
	Diags diag.List
	// NotRun says why no case ran, when none did (the rules or the test
	// files could not be loaded, no test file, no case selected); it is
	// set by the caller that stops, and is "" when cases ran.
	NotRun string
	// Written are the golden files Update created or rewrote.
	Written []Written
	// Total is the number of cases in the suite, selected or not.
	Total int

	suite   *loader.TestSuite
	prog    *engine.Program
	opt     Options
	all     []*CaseResult // every case, selected or not
	goldens map[string]*golden
	// goldenSources holds the lines of golden files with a problem; the
	// suite's Sources are shared and never written.
	goldenSources diag.Sources
}

// Written is a golden file that Update wrote.
type Written struct {
	File    string `json:"file"`
	Created bool   `json:"created"` // it did not exist before
}

// Passed and Failed count the selected cases that passed and failed.
func (r *Report) Passed() int { return r.count(true) }

// Failed counts the selected cases that failed.
func (r *Report) Failed() int { return r.count(false) }

func (r *Report) count(passed bool) int {
	n := 0
	for _, c := range r.Cases {
		if c.Passed == passed {
			n++
		}
	}
	return n
}

// CaseResult is one test case and its outcome.
type CaseResult struct {
	// File is the test file (slash-separated, as positions name it).
	File string `json:"file"`
	// Name is the case's name, which keys its result in the golden file.
	Name string `json:"name"`
	// Pos is the position of the case in its file.
	Pos diag.Pos `json:"pos"`
	// Passed is true when the case has no failure.
	Passed bool `json:"passed"`
	// Failures are the expectations the result broke, in the order they
	// are written in the file, then the golden file's verdict.
	Failures []Failure `json:"failures"`
	// Result is what the evaluation gave; nil when the case could not run.
	Result *engine.Result `json:"-"`

	tc       *loader.TestCase
	tf       *loader.TestFile
	cart     *engine.Cart
	selected bool
	actual   string         // the result as the golden file holds it, indented
	explain  *engine.Result // the result with explanations, once asked for
}

// Failure is one broken expectation: a diagnostic at the position of the
// expectation in the test file, with a stable code (see the package
// documentation), and what explains it.
type Failure struct {
	diag.Diagnostic
	// Notes explain the failure: why an expected rule did not apply (the
	// explanation of the evaluation and the false clauses of its
	// condition), why an expected block did not show. One line each; a
	// line may start with spaces to nest under the one before.
	Notes []string `json:"notes,omitempty"`
	// Diff is the unified diff of the golden result against this run's,
	// for golden-mismatch.
	Diff string `json:"diff,omitempty"`
}

// Run runs the cases of suite selected by opt.Filter against prog: it
// checks what only the rules can tell (rule, placement and block ids, the
// carts, the SKUs expected), evaluates every selected case, and compares
// each result with its expect block and its entry in the golden file
// beside the test file (x.test.yaml -> x.golden.json). Run reads golden
// files and writes nothing; see Update.
//
// Run keeps no state outside the Report and may run concurrently with
// other runs on the same program and suite.
func Run(prog *engine.Program, suite *loader.TestSuite, opt Options) *Report {
	r := &Report{suite: suite, prog: prog, opt: opt, goldens: map[string]*golden{}, goldenSources: diag.Sources{}}
	ids := newIndex(prog)
	for _, f := range suite.Files {
		for _, tc := range f.Cases {
			c := &CaseResult{File: f.Name, Name: tc.Name, Pos: tc.Pos, tc: tc, tf: f}
			c.selected = opt.Filter == nil || opt.Filter.MatchString(tc.Name)
			r.prepare(ids, c)
			r.all = append(r.all, c)
			if c.selected {
				r.Cases = append(r.Cases, c)
			}
		}
	}
	r.Total = len(r.all)
	for _, c := range r.Cases {
		if c.cart != nil {
			r.evaluate(c)
		}
	}
	r.readGoldens()
	for _, c := range r.Cases {
		r.check(c)
	}
	r.attach()
	return r
}

// attach fills the source lines of the diagnostics and failures, and sorts
// the diagnostics.
func (r *Report) attach() {
	r.suite.Sources.Attach(r.Diags)
	r.goldenSources.Attach(r.Diags)
	r.Diags.Sort()
	for _, c := range r.Cases {
		for i := range c.Failures {
			f := &c.Failures[i]
			if f.Source == "" && f.Diff == "" && !strings.HasPrefix(f.Code, "golden-") {
				f.Source = r.suite.Sources.Line(f.Pos.File, f.Pos.Line)
			}
		}
	}
}

// index holds the ids of what the program defines, for checking the ids
// test files name.
type index struct {
	rules      []string
	placements []string
	blocks     []string
	// blockPlacement is each block's placement, by block id.
	blockPlacement map[string]string
}

func newIndex(prog *engine.Program) *index {
	x := &index{blockPlacement: map[string]string{}}
	for _, r := range prog.Rules(time.Time{}) {
		x.rules = append(x.rules, r.Rule.ID)
	}
	for _, p := range prog.Placements() {
		x.placements = append(x.placements, p.ID)
	}
	for _, b := range prog.Blocks(time.Time{}) {
		x.blockPlacement[b.Block.ID] = b.Block.Placement
		x.blocks = append(x.blocks, b.Block.ID)
	}
	return x
}

// prepare decodes a case's cart and checks what can be checked before
// evaluating: rule ids, SKUs, the instant and the membership value. Every
// case is checked, selected or not, so that a mistake does not hide behind
// a filter.
func (r *Report) prepare(ids *index, c *CaseResult) {
	tc := c.tc
	for _, refs := range []struct {
		field string
		ids   []loader.Ref
	}{{"expect.applied_rules", tc.Expect.AppliedRules}, {"expect.not_applied", tc.Expect.NotApplied}} {
		for _, ref := range refs.ids {
			if !slices.Contains(ids.rules, ref.ID) {
				r.Diags.Add(ref.Pos, "unknown-rule", "unknown rule %q in %s%s", ref.ID, refs.field, diag.DidYouMean(ref.ID, ids.rules))
			}
		}
	}
	var members []string
	if _, ok := tc.Fields["membership"]; ok {
		var err error
		members, err = membership.Decode(tc.Membership)
		if me := (*membership.Error)(nil); errors.As(err, &me) {
			r.Diags.Add(tc.Fields["membership"], "invalid-membership", "membership is not a valid aep-segments-membership value: %s", me.Msg)
		} else if err != nil {
			r.Diags.Add(tc.Fields["membership"], "invalid-membership", "membership: %v", err)
		}
	}
	if !r.checkPlacements(ids, tc) {
		return
	}
	body := tc.Cart
	if body == nil {
		if len(tc.Placements) == 0 {
			return // the loader reported the missing cart
		}
		body = []byte("{}") // blocks for a shopper with no cart yet
	}
	cart, err := engine.DecodeCart(body, r.prog.CartDefaults())
	if err != nil {
		r.cartError(tc, err)
		return
	}
	if !tc.Now.IsZero() {
		cart.Now = tc.Now
	}
	if _, ok := tc.Fields["now"]; !ok && cart.Now.IsZero() {
		r.Diags.Add(tc.Pos, "missing-field", "test case has no now: without it the result depends on the day the test runs; add one such as now: 2026-11-27T10:00:00-05:00")
	}
	cart.Segments = membership.Union(membership.Union(cart.Segments, members), tc.Segments)
	var skus []string
	for _, it := range cart.Items {
		skus = append(skus, it.SKU)
	}
	for _, ie := range tc.Expect.Items {
		if !slices.Contains(skus, ie.SKU) {
			r.Diags.Add(ie.Pos, "unknown-sku", "no line of the cart has sku %q%s", ie.SKU, diag.DidYouMean(ie.SKU, skus))
		}
	}
	c.cart = cart
}

// checkPlacements checks a case's placements and expect.blocks against the
// rules: unknown placements (nothing can run then: false), unknown blocks,
// and blocks expected in a placement they do not show in.
func (r *Report) checkPlacements(ids *index, tc *loader.TestCase) bool {
	ok := true
	for _, ref := range tc.Placements {
		if !slices.Contains(ids.placements, ref.ID) {
			r.Diags.Add(ref.Pos, "unknown-placement", "unknown placement %q%s", ref.ID, diag.DidYouMean(ref.ID, ids.placements))
			ok = false
		}
	}
	for _, be := range tc.Expect.Blocks {
		for _, ref := range be.IDs {
			switch pl, known := ids.blockPlacement[ref.ID]; {
			case !known:
				r.Diags.Add(ref.Pos, "unknown-block", "unknown block %q in expect.blocks.%s%s", ref.ID, be.Placement, diag.DidYouMean(ref.ID, ids.blocks))
			case pl != be.Placement:
				r.Diags.Add(ref.Pos, "wrong-placement", "block %q shows in placement %q, never in %q", ref.ID, pl, be.Placement)
			}
		}
	}
	return ok
}

// cartError reports a cart the engine rejects at the field's place in the
// test file.
func (r *Report) cartError(tc *loader.TestCase, err error) {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		r.Diags.Add(tc.Fields["cart"], "invalid-cart", "cart: %v", err)
		return
	}
	key := strings.HasPrefix(ie.Message, "unknown field") || strings.HasPrefix(ie.Message, "duplicate field")
	msg := ie.Message
	if strings.Contains(msg, "want a string, got a number") || strings.Contains(msg, "want a string, got a boolean") {
		msg += ` (write it in quotes: YAML reads 12345 and true as a number and a boolean)`
	}
	field := "cart"
	if ie.Field != "" {
		field += "." + ie.Field
	}
	r.Diags.Add(tc.CartPos(ie.Field, key), "invalid-cart", "%s: %s", field, msg)
}

func (r *Report) evaluate(c *CaseResult) {
	res, err := r.prog.Evaluate(c.cart, options(c.tc))
	if err != nil {
		r.cartError(c.tc, err)
		return
	}
	actual, err := indentJSON(res)
	if err != nil {
		r.Diags.Add(c.tc.Pos, "internal", "cannot write the result as JSON: %v", err)
		return
	}
	c.Result, c.actual = res, actual
}

// options are the evaluation options of a case: its placements, visitor
// and view.
func options(tc *loader.TestCase) engine.Options {
	opt := engine.Options{VisitorID: tc.VisitorID, View: tc.View}
	for _, ref := range tc.Placements {
		opt.Placements = append(opt.Placements, ref.ID)
	}
	return opt
}

// indentJSON writes v as JSON indented by two spaces, without escaping <, >
// and & (rule names use them).
func indentJSON(v any) (string, error) {
	var b, out bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	if err := json.Indent(&out, bytes.TrimSpace(b.Bytes()), "", "  "); err != nil {
		return "", err
	}
	return out.String(), nil
}

// check compares a case's result with its expect block and its golden
// entry. A case that could not be evaluated has no result to check: the
// diagnostics say why.
func (r *Report) check(c *CaseResult) {
	c.Failures = nil
	if c.Result != nil {
		r.checkExpect(c)
		slices.SortStableFunc(c.Failures, func(a, b Failure) int { return diag.Compare(a.Pos, b.Pos) })
		r.checkGolden(c)
	}
	c.Passed = c.Result != nil && len(c.Failures) == 0
	if c.Failures == nil {
		c.Failures = []Failure{}
	}
}

// namePos is where a case's name is written, for failures of the case as
// a whole.
func namePos(c *CaseResult) diag.Pos {
	if p, ok := c.tc.Fields["name"]; ok {
		return p
	}
	return c.Pos
}
