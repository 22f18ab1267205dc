package ruletest

// Golden files: reading them, comparing a case's result with its entry,
// and rewriting them (Update).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/textdiff"
)

// golden is one golden file: results by case name, in file order.
type golden struct {
	path    string // as shown (slash-separated)
	data    []byte // nil when the file does not exist
	names   []string
	entries map[string]json.RawMessage
}

// readGoldens reads the golden file of every test file with a selected
// case. An unreadable one is an error, unless Update is about to rewrite
// it.
func (r *Report) readGoldens() {
	for _, c := range r.Cases {
		if _, done := r.goldens[c.tf.Name]; done {
			continue
		}
		g := &golden{path: c.tf.Golden, entries: map[string]json.RawMessage{}}
		r.goldens[c.tf.Name] = g
		data, err := os.ReadFile(filepath.FromSlash(g.path))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			r.Diags.Add(diag.Pos{File: g.path}, "read-error", "cannot read golden file: %v", err)
			continue
		}
		g.data = data
		if off, err := g.parse(data); err != nil && !r.opt.Update {
			r.goldenSources[g.path] = strings.Split(string(data), "\n")
			r.Diags.Add(goldenPos(g.path, data, off), "invalid-golden", "golden file is not a JSON object of results by case name: %v; fix it, or rewrite it with ruled test --update", err)
		}
		for _, name := range g.names {
			if !hasCase(c.tf, name) && !r.opt.Update {
				r.Diags.Warn(diag.Pos{File: g.path}, "stale-golden", "result for %q matches no case in %s; ruled test --update removes it", name, c.tf.Name)
			}
		}
	}
}

func hasCase(f *loader.TestFile, name string) bool {
	for _, tc := range f.Cases {
		if tc.Name == name {
			return true
		}
	}
	return false
}

// parse reads a golden file: one JSON object, keys unique. On error it
// returns the byte offset of the problem.
func (g *golden) parse(data []byte) (int64, error) {
	// Unmarshal checks the whole file first and says exactly where a syntax
	// error is (a Decoder reports where the value began).
	var all json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			return se.Offset - 1, err
		}
		return 0, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return 0, errors.New("want an object")
	}
	for dec.More() {
		tok, _ := dec.Token()
		name, _ := tok.(string)
		if _, dup := g.entries[name]; dup {
			key, _ := json.Marshal(name)
			return dec.InputOffset() - int64(len(key)), fmt.Errorf("case %q is there twice", name)
		}
		var v json.RawMessage
		_ = dec.Decode(&v) // the file is valid JSON
		g.names = append(g.names, name)
		g.entries[name] = v
	}
	return 0, nil
}

// goldenPos returns the position of byte offset off of a golden file.
func goldenPos(file string, data []byte, off int64) diag.Pos {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return diag.Pos{File: file, Line: line, Col: col}
}

// checkGolden compares a case's result with its golden entry.
func (r *Report) checkGolden(c *CaseResult) {
	g := r.goldens[c.tf.Name]
	want, ok := g.entries[c.Name]
	switch {
	case g.data == nil:
		r.fail(c, namePos(c), CodeGoldenMissing, nil, "golden file %s does not exist; run ruled test --update to create it", g.path)
	case !ok:
		r.fail(c, namePos(c), CodeGoldenMissing, nil, "golden file %s has no result for this case; run ruled test --update to record it", g.path)
	default:
		var b bytes.Buffer
		if err := json.Indent(&b, bytes.TrimSpace(want), "", "  "); err != nil || b.String() == c.actual {
			return
		}
		diff := textdiff.Unified("golden", "actual", b.String()+"\n", c.actual+"\n")
		r.fail(c, namePos(c), CodeGoldenMismatch, nil, "result differs from %s; run ruled test --update to accept it", g.path)
		c.Failures[len(c.Failures)-1].Diff = diff
	}
}

// Update rewrites the golden file of every test file with a selected case:
// the results of this run for the selected cases that ran, the old entries
// of the others, in the order of the cases; entries of cases gone are
// dropped. Each file is written whole or not at all (a temporary file in
// the same folder, synced, then renamed over it). A file whose content
// would not change is not written. The cases are checked again against
// what was written, and the golden files' diagnostics dropped. Call it only
// on a Report with no errors, made with Options.Update.
func (r *Report) Update() error {
	actual := map[*loader.TestCase]string{}
	for _, c := range r.Cases {
		if c.Result != nil {
			actual[c.tc] = c.actual
		}
	}
	for _, f := range r.suite.Files {
		g, ok := r.goldens[f.Name]
		if !ok {
			continue
		}
		var b bytes.Buffer
		entries := map[string]json.RawMessage{}
		b.WriteString("{")
		for _, tc := range f.Cases {
			v, ok := actual[tc]
			if !ok {
				old, ok := g.entries[tc.Name]
				if !ok {
					continue
				}
				v = string(old)
			}
			var ind bytes.Buffer
			if err := json.Indent(&ind, bytes.TrimSpace([]byte(v)), "  ", "  "); err != nil {
				return fmt.Errorf("golden result of %q: %w", tc.Name, err)
			}
			if len(entries) > 0 {
				b.WriteString(",")
			}
			key, _ := json.Marshal(tc.Name)
			fmt.Fprintf(&b, "\n  %s: %s", key, ind.Bytes())
			entries[tc.Name] = json.RawMessage(v)
		}
		if len(entries) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("}\n")
		if !bytes.Equal(b.Bytes(), g.data) {
			if err := writeFile(filepath.FromSlash(g.path), b.Bytes()); err != nil {
				return fmt.Errorf("writing golden file: %w", err)
			}
			r.Written = append(r.Written, Written{File: g.path, Created: g.data == nil})
		}
		g.data, g.entries = b.Bytes(), entries
	}
	r.Diags = slices.DeleteFunc(r.Diags, func(d diag.Diagnostic) bool { return d.Code == "invalid-golden" || d.Code == "stale-golden" })
	for _, c := range r.Cases {
		r.check(c)
	}
	r.attach()
	return nil
}

// writeFile replaces the file at name with data so that an interrupted
// write leaves the old file or the new one, never a part: a temporary file
// in the same folder (so the rename stays on one file system), synced, then
// renamed over it. A new file gets mode 0644; an existing one keeps its
// mode.
func writeFile(name string, data []byte) (err error) {
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(name); err == nil {
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
