package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ruled/ruled/cdp"
	"github.com/ruled/ruled/cmd/ruled/internal/atomicfile"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

type audiencesPullCmd struct {
	platformFlags
	File   string `help:"Registry file to write (default: audiences.yaml in the rules directory)." placeholder:"FILE"`
	DryRun bool   `help:"Say what would change; write nothing."`
	Format string `help:"Summary format: text or json." enum:"text,json" default:"text"`
}

// pullResult is what a pull did.
type pullResult struct {
	File      string      `json:"file"`
	Audiences int         `json:"audiences"`
	Changes   cdp.Changes `json:"changes"`
	Written   bool        `json:"written"`
}

func (c *audiencesPullCmd) run(e *env) int {
	client, err := c.client()
	if err != nil {
		return platformProblem(e, err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	file := c.File
	if file == "" {
		file = filepath.Join(e.rules, "audiences.yaml")
	}
	res, diags, err := pullAudiences(ctx, client, c.Dataflow, e.rules, file, c.DryRun, time.Now().UTC().Truncate(time.Second))
	var pe *pullError
	switch {
	case errors.As(err, &pe):
		fmt.Fprintln(e.stderr, "ruled:", pe.msg)
		diag.Fprint(e.stderr, diags)
		return exitWrong
	case err != nil:
		return platformProblem(e, err)
	}
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return exitOK
	}
	printPull(e.stdout, res, c.DryRun)
	return exitOK
}

func printPull(w io.Writer, r *pullResult, dry bool) {
	ch := r.Changes
	renamed := make([]string, len(ch.Renamed))
	for i, rn := range ch.Renamed {
		renamed[i] = fmt.Sprintf("%q → %q", rn.From, rn.To)
	}
	for _, l := range []struct {
		what string
		list []string
	}{
		{"added", ch.Added}, {"renamed", renamed}, {"updated", ch.Updated}, {"removed", ch.Removed},
		{"no longer activated, kept and marked removed because rules or blocks use them", ch.Kept},
		{"activated again", ch.Back},
	} {
		if len(l.list) > 0 {
			fmt.Fprintf(w, "%s (%d): %s\n", l.what, len(l.list), joinOr(l.list, ""))
		}
	}
	switch {
	case ch.Empty() && !r.Written:
		fmt.Fprintf(w, "%s is up to date: %d audiences\n", r.File, r.Audiences)
	case dry:
		fmt.Fprintf(w, "%s not written (--dry-run): %d audiences\n", r.File, r.Audiences)
	default:
		fmt.Fprintf(w, "wrote %s: %d audiences\n", r.File, r.Audiences)
	}
}

// pullError is a pull that would leave the rules unable to load; nothing
// was written.
type pullError struct{ msg string }

func (e *pullError) Error() string { return e.msg }

// pullAudiences fetches the audiences of Experience Platform (those the
// destination dataflow activates, when one is named), merges them into the
// registry file (see cdp.Merge), checks that the rules still load
// with the new registry exactly as `ruled check` would, and writes the file
// atomically unless dry. A *pullError, with diagnostics, says the rules
// would not load (or do not load now); other errors are Platform's or the
// file system's.
func pullAudiences(ctx context.Context, client *cdp.Client, dataflow, dir, file string, dry bool, now time.Time) (*pullResult, diag.List, error) {
	b, err := load(dir)
	if err != nil {
		return nil, nil, err
	}
	prog := b.Program
	if prog == nil {
		return nil, b.Diags, &pullError{"the rules do not load now; fix them before pulling audiences"}
	}
	used := map[string]bool{}
	for _, ri := range prog.Rules(time.Time{}) {
		for _, a := range ri.Audiences {
			used[a] = true
		}
	}
	for _, bi := range prog.Blocks(time.Time{}) {
		for _, a := range bi.Audiences {
			used[a] = true
		}
	}

	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	f := &loader.File{Comment: "# Audiences of Adobe Experience Platform, written by `ruled audiences pull`.\n# Descriptions written here are kept; everything else follows the CDP."}
	if old != nil {
		var rd diag.List
		f, rd = loader.ReadFile(file, old)
		if rd.HasErrors() {
			return nil, rd, &pullError{fmt.Sprintf("%s cannot be read; fix it before pulling audiences", file)}
		}
	}
	comments := map[string]string{}
	for i, a := range f.Audiences {
		if i < len(f.AudienceComments) {
			comments[a.ID] = f.AudienceComments[i]
		}
	}

	pulled, err := client.Audiences(ctx)
	if err != nil {
		return nil, nil, err
	}
	if dataflow != "" {
		ids, err := client.Activated(ctx, dataflow)
		if err != nil {
			return nil, nil, err
		}
		pulled = cdp.OnlyActivated(pulled, ids)
	}
	merged, ch := cdp.Merge(f.Audiences, pulled, func(name string) bool { return used[name] }, now)

	// The rules must load with the new registry, as serve would load them.
	set, ldiags := loader.Load(dir)
	others := set.Audiences[:0:0]
	for _, a := range set.Audiences {
		if !samePath(a.Pos.File, file) {
			others = append(others, a)
		}
	}
	set.Audiences = append(others, merged...)
	_, cdiags := engine.Compile(set)
	if all := diag.Merge(ldiags, cdiags); all.HasErrors() {
		set.Sources.Attach(all)
		return nil, all, &pullError{fmt.Sprintf("with the pulled audiences the rules would not load, so %s was not written (a renamed audience? name it by its new name or by id)", file)}
	}

	f.Audiences = merged
	f.AudienceComments = make([]string, len(merged))
	for i, a := range merged {
		f.AudienceComments[i] = comments[a.ID]
	}
	out, err := loader.WriteYAML(f)
	if err != nil {
		return nil, nil, err
	}
	res := &pullResult{File: file, Audiences: len(merged), Changes: ch}
	if bytes.Equal(out, old) || dry {
		return res, nil, nil
	}
	if err := atomicfile.Write(file, out, 0o644); err != nil {
		return nil, nil, err
	}
	res.Written = true
	return res, nil, nil
}

// samePath reports whether two paths name the same file, one relative and
// the other absolute as may be.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
