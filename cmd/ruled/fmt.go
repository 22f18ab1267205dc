package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ruled/ruled/cmd/ruled/internal/atomicfile"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/textdiff"
)

type fmtCmd struct {
	Write bool     `short:"w" help:"Write the result back to each file instead of printing it."`
	Diff  bool     `short:"d" help:"Print a unified diff of what would change."`
	List  bool     `short:"l" help:"List the files whose layout would change."`
	Paths []string `arg:"" optional:"" help:"Files (.rules, YAML rule files) or directories; default: the rules directory."`
}

// fmtFile is one file fmt looks at and what it makes of it.
type fmtFile struct {
	path     string
	old, new []byte
	mode     fs.FileMode
}

// run lays out .rules files canonically and normalises the conditions of
// YAML rule files (dsl.FormatRules, loader.FormatConditions). Without a
// flag it prints the result; -l lists the files that differ, -d prints a
// diff, -w writes. With -l or -d the exit code is 1 when a file differs.
// A file that cannot be read as its format is reported and counts as
// wrong (exit 1); a file that cannot be read at all is exit 2.
func (c *fmtCmd) run(e *env) int {
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{e.rules}
	}
	files, err := fmtFiles(paths)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled fmt:", err)
		return exitCantRun
	}
	code := exitOK
	differ := false
	for _, path := range files {
		f, diags, err := formatFile(path)
		switch {
		case err != nil:
			fmt.Fprintln(e.stderr, "ruled fmt:", err)
			code = exitCantRun
			continue
		case diags.HasErrors():
			diag.Fprint(e.stderr, diags)
			code = max(code, exitWrong)
			continue
		}
		changed := !bytes.Equal(f.old, f.new)
		differ = differ || changed
		if c.List && changed {
			fmt.Fprintln(e.stdout, f.path)
		}
		if c.Diff && changed {
			fmt.Fprint(e.stdout, textdiff.Unified(f.path+".orig", f.path, string(f.old), string(f.new)))
		}
		if c.Write && changed {
			if err := atomicfile.Write(f.path, f.new, f.mode.Perm()); err != nil {
				fmt.Fprintln(e.stderr, "ruled fmt:", err)
				code = exitCantRun
			}
		}
		if !c.List && !c.Diff && !c.Write {
			e.stdout.Write(f.new)
		}
	}
	if differ && (c.List || c.Diff) {
		code = max(code, exitWrong)
	}
	return code
}

// fmtFiles lists the files under paths that fmt formats: .rules files and
// YAML rule files, in lexical order within each directory; hidden files and
// directories are skipped. A file named on the command line must be a
// .rules or YAML file.
func fmtFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			if !isRulesFile(p) && !isYAML(p) {
				return nil, fmt.Errorf("%s: not a .rules or YAML file", p)
			}
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case q != p && strings.HasPrefix(d.Name(), "."):
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			case d.IsDir() || !d.Type().IsRegular():
				return nil
			case isRulesFile(q) || isYAML(q) && loader.HasConditions(filepath.ToSlash(q)):
				out = append(out, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return slices.Compact(out), nil
}

func isRulesFile(p string) bool { return strings.EqualFold(filepath.Ext(p), ".rules") }

func isYAML(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// formatFile reads and formats one file. diags holds why a file could not
// be formatted.
func formatFile(path string) (*fmtFile, diag.List, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f := &fmtFile{path: path, old: data, mode: info.Mode()}
	name := filepath.ToSlash(path)
	if isRulesFile(path) {
		out, diags := dsl.FormatRules(name, data)
		if diags.HasErrors() {
			diag.Sources{name: fileLines(data)}.Attach(diags)
			return nil, diags, nil
		}
		f.new = out
		return f, nil, nil
	}
	out, err := loader.FormatConditions(name, data, formatYAMLCondition)
	if err != nil {
		var l diag.List
		l.Add(diag.Pos{File: name}, "yaml-syntax", "cannot read the file as YAML: %v", errors.Unwrap(err))
		return nil, l, nil
	}
	f.new = out
	return f, nil, nil
}

// formatYAMLCondition is the condition format of YAML files: the canonical
// form, broken over lines only in block scalars; a condition that does not
// parse (check reports it) or that keeps comments over several lines of a
// one-line scalar is left alone.
func formatYAMLCondition(text string, col int, block bool) ([]string, bool) {
	if !block {
		col = 0
	}
	lines, err := dsl.FormatCondition(text, col)
	if err != nil || (!block && len(lines) != 1) {
		return nil, false
	}
	return lines, true
}

func fileLines(data []byte) []string {
	return strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
}
