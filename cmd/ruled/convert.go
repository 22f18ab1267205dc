package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ruled/ruled/cmd/ruled/internal/atomicfile"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/rules"
)

type convertCmd struct {
	Output string `short:"o" help:"Write to FILE instead of stdout; FILE must not exist unless --force." placeholder:"FILE"`
	Force  bool   `help:"Overwrite the file given to -o when it exists."`
	File   string `arg:"" help:"A .rules file (converted to YAML), or a YAML rule file or audiences.yaml (converted to .rules)."`
}

// run converts one file between the formats, by its extension. Every field
// survives, and so do comments (those inside a rule or audience move above
// it). The output is read back and compared with the input before it is
// written: a conversion that would lose anything is an error, never a
// silent change.
func (c *convertCmd) run(e *env) int {
	if c.Output != "" && !c.Force {
		if _, err := os.Lstat(c.Output); err == nil {
			fmt.Fprintf(e.stderr, "ruled convert: %s exists: pass --force to overwrite it\n", c.Output)
			return exitWrong
		}
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled convert:", err)
		return exitCantRun
	}
	name := filepath.ToSlash(c.File)
	var out []byte
	var diags diag.List
	switch {
	case isRulesFile(c.File):
		out, diags, err = rulesToYAML(name, data, c.Output)
	case isYAML(c.File):
		out, diags, err = yamlToRules(name, data)
	default:
		err = fmt.Errorf("%s: not a .rules or YAML file", c.File)
	}
	diag.Fprint(e.stderr, diags)
	switch {
	case diags.HasErrors():
		fmt.Fprintf(e.stderr, "%d errors\n", diags.Errors())
		return exitWrong
	case err != nil:
		fmt.Fprintln(e.stderr, "ruled convert:", err)
		return exitWrong
	}
	if c.Output == "" {
		e.stdout.Write(out)
		return exitOK
	}
	if err := atomicfile.Write(c.Output, out, 0o644); err != nil {
		fmt.Fprintln(e.stderr, "ruled convert:", err)
		return exitCantRun
	}
	if twoCopies(c.File, c.Output) {
		fmt.Fprintf(e.stderr, "ruled convert: %s and %s now hold the same rules in one directory, which loads them twice: remove %s\n",
			c.File, c.Output, c.File)
	}
	return exitOK
}

// twoCopies reports whether the source and the output of a conversion sit
// in the same directory, where one rules directory would read both.
func twoCopies(src, out string) bool {
	a, err1 := filepath.Abs(filepath.Dir(src))
	b, err2 := filepath.Abs(filepath.Dir(out))
	if err1 != nil || err2 != nil {
		return false
	}
	if ra, err := filepath.EvalSymlinks(a); err == nil {
		a = ra
	}
	if rb, err := filepath.EvalSymlinks(b); err == nil {
		b = rb
	}
	return a == b
}

// yamlToRules converts a YAML rule file or audiences.yaml to .rules.
func yamlToRules(name string, data []byte) ([]byte, diag.List, error) {
	f, diags := loader.ReadFile(name, data)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	doc := &dsl.Doc{
		Comment: f.Comment, Foot: f.Foot,
		Audiences: f.Audiences, AudienceComments: f.AudienceComments,
		CartRules: f.CartRules, RuleComments: f.RuleComments,
		Placements: f.Placements, PlacementComments: f.PlacementComments,
		Blocks: f.Blocks, BlockComments: f.BlockComments,
	}
	out, err := dsl.PrintRules(doc)
	if err != nil {
		return nil, diags, err
	}
	back, more := dsl.ParseRules(name, out)
	if more.HasErrors() {
		return nil, diags, fmt.Errorf("the .rules text does not read back (a bug in ruled; please report it): %v", more[0].Message)
	}
	if err := sameModel(fileOf(f.Audiences, f.CartRules, f.Placements, f.Blocks), fileOf(back.Audiences, back.CartRules, back.Placements, back.Blocks)); err != nil {
		return nil, diags, fmt.Errorf("cannot convert without a change: %w", err)
	}
	return out, diags, nil
}

// rulesToYAML converts a .rules file to YAML. Audiences and cart rules go
// in different YAML files, so a .rules file that declares both cannot
// convert to one; an audience file must be named audiences.yaml.
func rulesToYAML(name string, data []byte, output string) ([]byte, diag.List, error) {
	doc, diags := dsl.ParseRules(name, data)
	diag.Sources{name: doc.Lines}.Attach(diags)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	target := "rules.yaml"
	if len(doc.Audiences) > 0 {
		target = "audiences.yaml"
		if output != "" && filepath.Base(output) != target {
			return nil, diags, fmt.Errorf("audiences are read from files named audiences.yaml, not %s", filepath.Base(output))
		}
	}
	f := &loader.File{
		Comment: doc.Comment, Foot: doc.Foot,
		Audiences: doc.Audiences, AudienceComments: doc.AudienceComments,
		CartRules: slices.Clone(doc.CartRules), RuleComments: doc.RuleComments,
		Placements: doc.Placements, PlacementComments: doc.PlacementComments,
		Blocks: slices.Clone(doc.Blocks), BlockComments: doc.BlockComments,
	}
	for i := range f.CartRules {
		r := &f.CartRules[i]
		r.When.Text = canonicalCondition(r.When.Text)
		r.Action.Items.Text = canonicalCondition(r.Action.Items.Text)
	}
	for i := range f.Blocks {
		f.Blocks[i].When.Text = canonicalCondition(f.Blocks[i].When.Text)
	}
	out, err := loader.WriteYAML(f)
	if err != nil {
		return nil, diags, err
	}
	back, more := loader.ReadFile(target, out)
	if more.HasErrors() {
		return nil, diags, fmt.Errorf("the YAML does not read back (a bug in ruled; please report it): %v", more[0].Message)
	}
	if err := sameModel(fileOf(doc.Audiences, doc.CartRules, doc.Placements, doc.Blocks), fileOf(back.Audiences, back.CartRules, back.Placements, back.Blocks)); err != nil {
		return nil, diags, fmt.Errorf("cannot convert without a change: %w", err)
	}
	return out, diags, nil
}

// canonicalCondition lays a condition out for a YAML file: its canonical
// lines, or the text as written when it does not parse.
func canonicalCondition(text string) string {
	if text == "" {
		return ""
	}
	lines, err := dsl.FormatCondition(text, 1)
	if err != nil {
		return text
	}
	return strings.Join(lines, "\n")
}

// fileOf puts what one file declares together, for sameModel.
func fileOf(a []rules.Audience, r []rules.CartRule, p []rules.Placement, b []rules.Block) *loader.File {
	return &loader.File{Audiences: a, CartRules: r, Placements: p, Blocks: b}
}

// sameModel compares two readings of the same declarations, positions
// aside; conditions are the same when they are the same condition
// (dsl.EqualConditions), amounts and times when their values are equal,
// data when its bytes are. It names the first difference.
func sameModel(x, y *loader.File) error {
	if err := sameRules(x.Audiences, y.Audiences, x.CartRules, y.CartRules); err != nil {
		return err
	}
	if len(x.Placements) != len(y.Placements) {
		return fmt.Errorf("%d placements became %d", len(x.Placements), len(y.Placements))
	}
	for i := range x.Placements {
		p, q := &x.Placements[i], &y.Placements[i]
		if p.ID != q.ID || p.Name != q.Name || p.Rotation != q.Rotation || p.Limit != q.Limit {
			return fmt.Errorf("placement %q changed", p.ID)
		}
	}
	if len(x.Blocks) != len(y.Blocks) {
		return fmt.Errorf("%d blocks became %d", len(x.Blocks), len(y.Blocks))
	}
	for i := range x.Blocks {
		if field := blockDiff(&x.Blocks[i], &y.Blocks[i]); field != "" {
			return fmt.Errorf("block %q: %s changed", x.Blocks[i].ID, field)
		}
	}
	return nil
}

// blockDiff names the first field in which two blocks differ, or "".
func blockDiff(x, y *rules.Block) string {
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"id", x.ID == y.ID},
		{"name", x.Name == y.Name},
		{"enabled", x.Enabled == y.Enabled},
		{"placement", x.Placement == y.Placement},
		{"websites", slices.Equal(x.Websites, y.Websites)},
		{"customer_groups", slices.Equal(x.CustomerGroups, y.CustomerGroups)},
		{"from", sameBound(x.From, y.From)},
		{"to", sameBound(x.To, y.To)},
		{"priority", x.Priority == y.Priority},
		{"when", dsl.EqualConditions(x.When.Text, y.When.Text)},
		{"related_rules", slices.Equal(x.RelatedRules, y.RelatedRules)},
		{"content", x.Content == y.Content},
		{"content_file", x.ContentFile == y.ContentFile},
		{"data", bytes.Equal(x.Data, y.Data)},
	} {
		if !c.same {
			return c.field
		}
	}
	return ""
}

func sameRules(aa, ab []rules.Audience, ra, rb []rules.CartRule) error {
	if len(aa) != len(ab) {
		return fmt.Errorf("%d audiences became %d", len(aa), len(ab))
	}
	for i := range aa {
		x, y := &aa[i], &ab[i]
		if x.ID != y.ID || x.Name != y.Name || x.Description != y.Description || x.Origin != y.Origin || !x.Updated.Equal(y.Updated) {
			return fmt.Errorf("audience %q changed", x.ID)
		}
	}
	if len(ra) != len(rb) {
		return fmt.Errorf("%d rules became %d", len(ra), len(rb))
	}
	for i := range ra {
		if field := ruleDiff(&ra[i], &rb[i]); field != "" {
			return fmt.Errorf("rule %q: %s changed", ra[i].ID, field)
		}
	}
	return nil
}

// ruleDiff names the first field in which two rules differ, or "".
func ruleDiff(x, y *rules.CartRule) string {
	a, b := &x.Action, &y.Action
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"id", x.ID == y.ID},
		{"name", x.Name == y.Name},
		{"label", x.Label == y.Label},
		{"enabled", x.Enabled == y.Enabled},
		{"websites", slices.Equal(x.Websites, y.Websites)},
		{"customer_groups", slices.Equal(x.CustomerGroups, y.CustomerGroups)},
		{"from", sameBound(x.From, y.From)},
		{"to", sameBound(x.To, y.To)},
		{"priority", x.Priority == y.Priority},
		{"stop_further_rules", x.StopFurtherRules == y.StopFurtherRules},
		{"coupon", slices.Equal(x.Coupons, y.Coupons)},
		{"when", dsl.EqualConditions(x.When.Text, y.When.Text)},
		{"action.type", a.Type == b.Type},
		{"action.amount", a.Amount.Equal(b.Amount)},
		{"action.max_qty", a.MaxQty.Equal(b.MaxQty)},
		{"action.step", a.Step.Equal(b.Step)},
		{"action.apply_to_shipping", a.ApplyToShipping == b.ApplyToShipping},
		{"action.free_shipping", a.FreeShipping == b.FreeShipping},
		{"action.items", dsl.EqualConditions(a.Items.Text, b.Items.Text)},
	} {
		if !c.same {
			return c.field
		}
	}
	return ""
}

func sameBound(a, b rules.Bound) bool { return a.Date == b.Date && a.Instant.Equal(b.Instant) }
