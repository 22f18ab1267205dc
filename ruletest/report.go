package ruletest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ruled/ruled/diag"
)

// Reporter writes a Report for people or machines.
type Reporter interface {
	Report(r *Report) error
}

// Text reports for people, as ruled check does: every failure of a case
// at its position, "file:line:col: message", with the source line and a
// caret, its notes indented below, then the golden diff.
//
//	FAIL tests/coupons.test.yaml welcome10 typed in lower case
//	tests/coupons.test.yaml:14:22: totals.discount: want 8.90, got 0.00
//	          totals: {discount: "8.90"}
//	                             ^
//
// The golden files written, case results and the summary ("2 passed, 1
// failed") go to Out; the diagnostics and why nothing ran go to Err.
type Text struct {
	Out, Err io.Writer
	// Verbose also lists the cases that passed.
	Verbose bool
}

// Report implements Reporter.
func (t Text) Report(r *Report) error {
	for _, w := range r.Written {
		verb := "updated"
		if w.Created {
			verb = "created"
		}
		fmt.Fprintf(t.Out, "%s %s\n", verb, w.File)
	}
	diag.Fprint(t.Err, r.Diags)
	if r.NotRun != "" {
		if n := r.Diags.Errors(); n > 0 {
			fmt.Fprintf(t.Err, "%s: %s\n", diag.Plural(n, "error"), r.NotRun)
		} else {
			fmt.Fprintln(t.Err, r.NotRun)
		}
		return nil
	}
	for _, c := range r.Cases {
		if c.Passed {
			if t.Verbose {
				fmt.Fprintf(t.Out, "ok   %s %s\n", c.File, c.Name)
			}
			continue
		}
		fmt.Fprintf(t.Out, "FAIL %s %s\n", c.File, c.Name)
		for _, f := range c.Failures {
			diag.Fprint(t.Out, diag.List{f.Diagnostic})
			for _, n := range f.Notes {
				fmt.Fprintf(t.Out, "    %s\n", n)
			}
			if f.Diff != "" {
				fmt.Fprint(t.Out, indentLines(f.Diff, "    "))
			}
		}
	}
	_, err := fmt.Fprintf(t.Out, "%d passed, %d failed\n", r.Passed(), r.Failed())
	return err
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

// JSON reports for machines: the whole report as one JSON object, in the
// shape the package documentation describes, on Out.
type JSON struct {
	Out io.Writer
}

// Report implements Reporter.
func (j JSON) Report(r *Report) error {
	out := jsonReport{
		Passed:      r.Passed(),
		Failed:      r.Failed(),
		NotRun:      r.NotRun,
		Cases:       r.Cases,
		Diagnostics: r.Diags,
		Written:     r.Written,
	}
	if out.Cases == nil || r.NotRun != "" {
		out.Passed, out.Failed, out.Cases = 0, 0, []*CaseResult{}
	}
	if out.Diagnostics == nil {
		out.Diagnostics = diag.List{}
	}
	if out.Written == nil {
		out.Written = []Written{}
	}
	enc := json.NewEncoder(j.Out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonReport is the JSON shape of a Report; see the package documentation.
type jsonReport struct {
	Passed      int           `json:"passed"`
	Failed      int           `json:"failed"`
	NotRun      string        `json:"not_run,omitempty"`
	Cases       []*CaseResult `json:"cases"`
	Diagnostics diag.List     `json:"diagnostics"`
	Written     []Written     `json:"written"`
}
