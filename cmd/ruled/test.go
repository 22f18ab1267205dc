package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/membership"
)

// testCmd is ruled test: it evaluates every test case (loader.LoadTests)
// with the program serve would run, compares the whole result with the
// case's entry in the golden file beside the test file (x.test.yaml ->
// x.golden.json) and checks the case's expect block. A case with
// placements also chooses their dynamic blocks (for an empty cart when it
// has none): the golden holds them, and expect.blocks checks them. Exit 0
// when every case passes, 1 when any fails, 2 when the rules or the test
// files cannot be loaded (nothing runs then).
type testCmd struct {
	Run     string   `help:"Run only the cases whose name matches this regular expression." placeholder:"REGEXP"`
	Update  bool     `help:"Write or rewrite the golden files with the results of this run; expect blocks are never changed."`
	Verbose bool     `short:"v" help:"Also print a line for every case that passes."`
	Format  string   `help:"Output format: text, or json (one object per case, for CI annotators)." enum:"text,json" default:"text"`
	Paths   []string `arg:"" optional:"" help:"Test files, or folders searched for *.test.yaml; default the rules directory." placeholder:"PATH"`
}

// caseRun is one test case of a run and its outcome.
type caseRun struct {
	file     *loader.TestFile
	tc       *loader.TestCase
	cart     *engine.Cart // nil when the case could not be prepared
	selected bool         // its name matches --run
	res      *engine.Result
	actual   string   // the result as the golden file holds it, indented
	failures []string // "path: want X, got Y", explanations on further lines
	diff     string
}

// tester is the state of one run of ruled test.
type tester struct {
	cmd     *testCmd
	e       *env
	prog    *engine.Program
	ruleIDs []string
	// placementIDs are the placements of the rules, sorted; blockPlacement
	// is each block's placement, by block id, and blockIDs the block ids.
	placementIDs   []string
	blockPlacement map[string]string
	blockIDs       []string
	suite          *loader.TestSuite
	diags          diag.List
	goldens        map[string]*golden // by test file name
}

func (c *testCmd) run(e *env) int {
	re, err := regexp.Compile(c.Run)
	if err != nil {
		fmt.Fprintf(e.stderr, "ruled test: --run: %v\n", err)
		return exitCantRun
	}
	prog, diags, err := compile(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled test:", err)
		return exitCantRun
	}
	t := &tester{cmd: c, e: e, prog: prog, diags: diags, goldens: map[string]*golden{}}
	if prog == nil {
		return t.cannotRun("the rules could not be loaded")
	}
	for _, r := range prog.Rules(time.Time{}) {
		t.ruleIDs = append(t.ruleIDs, r.Rule.ID)
	}
	for _, p := range prog.Placements() {
		t.placementIDs = append(t.placementIDs, p.ID)
	}
	t.blockPlacement = map[string]string{}
	for _, b := range prog.Blocks(time.Time{}) {
		t.blockPlacement[b.Block.ID] = b.Block.Placement
		t.blockIDs = append(t.blockIDs, b.Block.ID)
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{e.rules}
	}
	t.suite, t.diags = loader.LoadTests(paths...)
	if len(t.suite.Files) == 0 && !t.diags.HasErrors() {
		if len(c.Paths) > 0 {
			fmt.Fprintf(e.stderr, "ruled test: no test files (*.test.yaml) in %s\n", strings.Join(c.Paths, ", "))
			return exitCantRun
		}
		fmt.Fprintf(e.stderr, "ruled test: no test files (*.test.yaml) under %s\n", e.rules)
	}
	var runs []*caseRun
	for _, f := range t.suite.Files {
		for _, tc := range f.Cases {
			r := t.prepare(f, tc)
			r.selected = re.MatchString(tc.Name)
			runs = append(runs, r)
		}
	}
	for _, r := range runs {
		if r.selected && r.cart != nil {
			t.evaluate(r)
		}
	}
	t.readGoldens(runs)
	if t.diags.HasErrors() {
		return t.cannotRun("the test files could not be loaded")
	}
	if c.Update {
		if err := t.update(runs); err != nil {
			fmt.Fprintln(e.stderr, "ruled test:", err)
			return exitCantRun
		}
	}
	t.printDiags() // warnings
	return t.report(runs)
}

// cannotRun prints the diagnostics and why nothing ran.
func (t *tester) cannotRun(why string) int {
	t.printDiags()
	if t.cmd.Format != "json" {
		fmt.Fprintf(t.e.stderr, "%d errors: %s\n", t.diags.Errors(), why)
	}
	return exitCantRun
}

// printDiags prints the diagnostics as ruled check does: text with source
// lines on stderr; with --format json, errors (nothing ran) are one JSON
// object per line on stdout instead, and warnings stay on stderr, so that
// stdout holds only case results when cases ran.
func (t *tester) printDiags() {
	if t.suite != nil {
		t.suite.Sources.Attach(t.diags)
	}
	t.diags.Sort()
	if t.cmd.Format != "json" || !t.diags.HasErrors() {
		diag.Fprint(t.e.stderr, t.diags)
		return
	}
	enc := json.NewEncoder(t.e.stdout)
	enc.SetEscapeHTML(false)
	for _, d := range t.diags {
		_ = enc.Encode(d)
	}
}

// prepare decodes a case's cart and checks what can be checked before
// evaluating: rule ids, SKUs, the instant and the membership value.
func (t *tester) prepare(f *loader.TestFile, tc *loader.TestCase) *caseRun {
	r := &caseRun{file: f, tc: tc}
	for _, refs := range []struct {
		field string
		ids   []loader.Ref
	}{{"expect.applied_rules", tc.Expect.AppliedRules}, {"expect.not_applied", tc.Expect.NotApplied}} {
		for _, ref := range refs.ids {
			if !slices.Contains(t.ruleIDs, ref.ID) {
				t.diags.Add(ref.Pos, "unknown-rule", "unknown rule %q in %s%s", ref.ID, refs.field, diag.DidYouMean(ref.ID, t.ruleIDs))
			}
		}
	}
	var members []string
	if _, ok := tc.Fields["membership"]; ok {
		var err error
		members, err = membership.Decode(tc.Membership)
		if me := (*membership.Error)(nil); errors.As(err, &me) {
			t.diags.Add(tc.Fields["membership"], "invalid-membership", "membership is not a valid aep-segments-membership value: %s", me.Msg)
		} else if err != nil {
			t.diags.Add(tc.Fields["membership"], "invalid-membership", "membership: %v", err)
		}
	}
	if !t.checkPlacements(tc) {
		return r
	}
	body := tc.Cart
	if body == nil {
		if len(tc.Placements) == 0 {
			return r // the loader reported the missing cart
		}
		body = []byte("{}") // blocks for a shopper with no cart yet
	}
	cart, err := engine.DecodeCart(body, t.prog.CartDefaults())
	if err != nil {
		t.cartError(tc, err)
		return r
	}
	if !tc.Now.IsZero() {
		cart.Now = tc.Now
	}
	if _, ok := tc.Fields["now"]; !ok && cart.Now.IsZero() {
		t.diags.Add(tc.Pos, "missing-field", "test case has no now: without it the result depends on the day the test runs; add one such as now: 2026-11-27T10:00:00-05:00")
	}
	cart.Segments = membership.Union(membership.Union(cart.Segments, members), tc.Segments)
	var skus []string
	for _, it := range cart.Items {
		skus = append(skus, it.SKU)
	}
	for _, ie := range tc.Expect.Items {
		if !slices.Contains(skus, ie.SKU) {
			t.diags.Add(ie.Pos, "unknown-sku", "no line of the cart has sku %q%s", ie.SKU, diag.DidYouMean(ie.SKU, skus))
		}
	}
	r.cart = cart
	return r
}

// checkPlacements checks a case's placements and expect.blocks against the
// rules: unknown placements (nothing can run then: false), unknown blocks,
// and blocks expected in a placement they do not show in.
func (t *tester) checkPlacements(tc *loader.TestCase) bool {
	ok := true
	for _, ref := range tc.Placements {
		if !slices.Contains(t.placementIDs, ref.ID) {
			t.diags.Add(ref.Pos, "unknown-placement", "unknown placement %q%s", ref.ID, diag.DidYouMean(ref.ID, t.placementIDs))
			ok = false
		}
	}
	for _, be := range tc.Expect.Blocks {
		for _, ref := range be.IDs {
			switch pl, known := t.blockPlacement[ref.ID]; {
			case !known:
				t.diags.Add(ref.Pos, "unknown-block", "unknown block %q in expect.blocks.%s%s", ref.ID, be.Placement, diag.DidYouMean(ref.ID, t.blockIDs))
			case pl != be.Placement:
				t.diags.Add(ref.Pos, "wrong-placement", "block %q shows in placement %q, never in %q", ref.ID, pl, be.Placement)
			}
		}
	}
	return ok
}

// cartError reports a cart the engine rejects at the field's place in the
// test file.
func (t *tester) cartError(tc *loader.TestCase, err error) {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		t.diags.Add(tc.Fields["cart"], "invalid-cart", "cart: %v", err)
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
	t.diags.Add(tc.CartPos(ie.Field, key), "invalid-cart", "%s: %s", field, msg)
}

func (t *tester) evaluate(r *caseRun) {
	res, err := t.prog.Evaluate(r.cart, t.options(r.tc))
	if err != nil {
		t.cartError(r.tc, err)
		return
	}
	actual, err := indentJSON(res)
	if err != nil {
		t.diags.Add(r.tc.Pos, "internal", "cannot write the result as JSON: %v", err)
		return
	}
	r.res, r.actual = res, actual
}

// options are the evaluation options of a case: its placements, visitor
// and view.
func (t *tester) options(tc *loader.TestCase) engine.Options {
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

// report checks every selected case, prints the outcome and returns the
// exit code.
func (t *tester) report(runs []*caseRun) int {
	passed, failed := 0, 0
	enc := json.NewEncoder(t.e.stdout)
	enc.SetEscapeHTML(false)
	for _, r := range runs {
		if !r.selected {
			continue
		}
		t.check(r)
		ok := len(r.failures) == 0 && r.diff == ""
		if ok {
			passed++
		} else {
			failed++
		}
		if t.cmd.Format == "json" {
			_ = enc.Encode(struct {
				File     string   `json:"file"`
				Line     int      `json:"line"`
				Case     string   `json:"case"`
				Passed   bool     `json:"passed"`
				Failures []string `json:"failures"`
				Diff     string   `json:"diff"`
			}{r.file.Name, r.tc.Pos.Line, r.tc.Name, ok, append([]string{}, r.failures...), r.diff})
			continue
		}
		if ok {
			if t.cmd.Verbose {
				fmt.Fprintf(t.e.stdout, "ok   %s %s\n", r.file.Name, r.tc.Name)
			}
			continue
		}
		fmt.Fprintf(t.e.stdout, "FAIL %s %s\n", r.file.Name, r.tc.Name)
		for _, f := range r.failures {
			fmt.Fprintln(t.e.stdout, indentLines(f, "    "))
		}
		if r.diff != "" {
			fmt.Fprint(t.e.stdout, indentLines(r.diff, "    "))
		}
	}
	summary := t.e.stdout
	if t.cmd.Format == "json" {
		summary = t.e.stderr
	}
	fmt.Fprintf(summary, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitWrong
	}
	return exitOK
}

func indentLines(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" && l != "\n" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

// check compares a case's result with its golden entry and its expect.
func (t *tester) check(r *caseRun) {
	g := t.goldens[r.file.Name]
	want, ok := g.entries[r.tc.Name]
	switch {
	case g.data == nil:
		r.failures = append(r.failures, fmt.Sprintf("golden: %s does not exist; run ruled test --update to create it", r.file.Golden))
	case !ok:
		r.failures = append(r.failures, fmt.Sprintf("golden: %s has no result for this case; run ruled test --update to record it", r.file.Golden))
	default:
		var b bytes.Buffer
		if err := json.Indent(&b, bytes.TrimSpace(want), "", "  "); err == nil && b.String() != r.actual {
			edits := udiff.Lines(b.String()+"\n", r.actual+"\n")
			r.diff, _ = udiff.ToUnified("golden", "actual", b.String()+"\n", edits, udiff.DefaultContextLines)
		}
	}
	t.checkExpect(r)
}
