package main

// The one path from a rules directory to a program, shared by check, eval,
// test and serve (before every swap): hash the files, load them, compile
// them, gather every diagnostic. check adds only its warnings (Lint), so
// that check says exactly what serve would accept.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/rules"
)

// build is what the pipeline made of a rules directory.
type build struct {
	// Program is the compiled rule set; nil when any diagnostic is an
	// error.
	Program *engine.Program
	// Diags are the problems the loader and the compiler found, each once
	// (diag.Merge), sorted, with source lines.
	Diags diag.List
	// Version is the hash of the files (loader.Hash), taken before they
	// were read: should they change during the load, the version is older
	// than the content, and the next rescan sees a new hash and reloads.
	Version string
}

// load runs the pipeline on dir. The error is for a directory that cannot
// be read at all; problems in the files, and a directory that holds no
// rules, are diagnostics.
func load(dir string) (*build, error) { return loadWith(dir, nil) }

// loadWith is load compiling with c, which reuses what the last version of
// the rules compiled to (nil: compile everything).
func loadWith(dir string, c *engine.Compiler) (*build, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("rules directory %s: not a directory", dir)
	}
	version, err := loader.Hash(dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	set, diags := loader.Load(dir)
	// Conditions are compiled even when the files have other problems, so
	// that one run reports everything; a program is only kept when nothing
	// at all is wrong.
	compile := engine.Compile
	if c != nil {
		compile = c.Compile
	}
	prog, more := compile(set)
	diags = diag.Merge(diags, more)
	if !diags.HasErrors() {
		if msg := noRules(dir, set); msg != "" {
			diags.Add(diag.Pos{File: filepath.ToSlash(filepath.Clean(dir))}, "no-rules", "%s", msg)
		}
	}
	set.Sources.Attach(diags)
	if diags.HasErrors() {
		prog = nil
	}
	return &build{Program: prog, Diags: diags, Version: version}, nil
}

// noRules says what dir holds when it holds no cart rule, placement or
// block: a mistyped --rules, or files that are not rule files, must not
// pass a check (or replace the rules in service) as an empty rule set.
// It returns "" when there are rules.
func noRules(dir string, set *rules.Set) string {
	if len(set.CartRules)+len(set.Placements)+len(set.Blocks) > 0 {
		return ""
	}
	const want = "rules are *.yaml, *.yml or *.rules files holding cart_rules, placements or blocks"
	if len(set.Files) > 0 {
		what := ""
		if n := len(set.Audiences); n > 0 {
			what = fmt.Sprintf(" (%s)", diag.Plural(n, "audience"))
		}
		return fmt.Sprintf("no rules: read %s%s but no cart rule, placement or block; %s", sample(set.Files), what, want)
	}
	var others []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
		case p != dir && strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return filepath.SkipDir
			}
		case !d.IsDir():
			rel, _ := filepath.Rel(dir, p)
			others = append(others, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(others) == 0 {
		return "no rules: the directory is empty; " + want
	}
	return fmt.Sprintf("no rules: found %s, none of them a rule file; %s", sample(others), want)
}

// sample names up to three files of a list, and how many there are.
func sample(files []string) string {
	if len(files) <= 3 {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%d files (%s, ...)", len(files), strings.Join(files[:3], ", "))
}
