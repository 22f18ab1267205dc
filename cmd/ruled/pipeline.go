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
	"sync"
	"time"

	"github.com/ruled/ruled/cmd/ruled/internal/server"
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
	// Version identifies the bytes read (see loader.Hash): every file's
	// content was read once, and the version and the rules both come
	// from those bytes.
	Version string
	// Stages are the timed steps (read, parse, validate, compile); Files
	// counts the files read and Parsed those parsed afresh.
	Stages        []server.Stage
	Files, Parsed int
}

// pipeline builds one rules directory, again and again as serve reloads
// it: its loader.Cache parses only the files whose content changed, its
// engine.Compiler compiles only the conditions it has not compiled before,
// and a version already built is given back as it was. Every build equals
// what a build from scratch gives (check, eval and test build from scratch
// with load).
type pipeline struct {
	dir      string
	cache    loader.Cache
	compiler engine.Compiler

	mu   sync.Mutex // one build at a time
	last *build
}

// load runs the pipeline on dir from scratch. The error is for a directory
// that cannot be read at all; problems in the files, and a directory that
// holds no rules, are diagnostics.
func load(dir string) (*build, error) { return (&pipeline{dir: dir}).run() }

// run builds the directory: exactly what `ruled check` runs.
func (p *pipeline) run() (*build, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := os.Stat(p.dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("rules directory %s: not a directory", p.dir)
	}
	set, diags, stats, err := p.cache.Load(p.dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	b := &build{Version: stats.Version, Files: stats.Files, Parsed: stats.Parsed,
		Stages: []server.Stage{{Name: "read", Duration: stats.Read}, {Name: "parse", Duration: stats.Parse}, {Name: "validate", Duration: stats.Validate}}}
	if p.last != nil && p.last.Version == stats.Version {
		// The same bytes: what was compiled from them still holds.
		b.Program, b.Diags = p.last.Program, p.last.Diags
		b.Stages = append(b.Stages, server.Stage{Name: "compile"})
		p.last = b
		return b, nil
	}
	start := time.Now()
	// Conditions are compiled even when the files have other problems, so
	// that one run reports everything; a program is only kept when nothing
	// at all is wrong.
	prog, more := p.compiler.Compile(set)
	b.Stages = append(b.Stages, server.Stage{Name: "compile", Duration: time.Since(start)})
	diags = diag.Merge(diags, more)
	if !diags.HasErrors() {
		if msg := noRules(p.dir, set); msg != "" {
			diags.Add(diag.Pos{File: filepath.ToSlash(filepath.Clean(p.dir))}, "no-rules", "%s", msg)
		}
	}
	set.Sources.Attach(diags)
	if !diags.HasErrors() {
		b.Program = prog
	}
	b.Diags = diags
	p.last = b
	return b, nil
}

// serverBuild is b as the server takes it.
func (b *build) serverBuild() *server.Build {
	return &server.Build{Program: b.Program, Diagnostics: b.Diags, Version: b.Version, Stages: b.Stages, Files: b.Files, Parsed: b.Parsed}
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
