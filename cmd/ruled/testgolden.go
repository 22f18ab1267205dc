package main

// Golden files: reading them, locating a case's entry, and rewriting them
// with --update.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/loader"
)

// golden is one golden file: results by case name, in file order.
type golden struct {
	path    string // as shown (slash-separated)
	data    []byte // nil when the file does not exist
	names   []string
	entries map[string]json.RawMessage
}

// readGoldens reads the golden file of every test file with a selected
// case. An unreadable one is an error, unless --update is about to rewrite
// it.
func (t *tester) readGoldens(runs []*caseRun) {
	for _, r := range runs {
		if _, done := t.goldens[r.file.Name]; done || !r.selected {
			continue
		}
		g := &golden{path: r.file.Golden, entries: map[string]json.RawMessage{}}
		t.goldens[r.file.Name] = g
		data, err := os.ReadFile(filepath.FromSlash(g.path))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			t.diags.Add(diag.Pos{File: g.path}, "read-error", "cannot read golden file: %v", err)
			continue
		}
		g.data = data
		if off, err := g.parse(data); err != nil && !t.cmd.Update {
			pos := goldenPos(g.path, data, off)
			t.suite.Sources[g.path] = strings.Split(string(data), "\n")
			t.diags.Add(pos, "invalid-golden", "golden file is not a JSON object of results by case name: %v; fix it, or rewrite it with ruled test --update", err)
		}
		for _, name := range g.names {
			if !hasCase(r.file, name) && !t.cmd.Update {
				t.diags.Warn(diag.Pos{File: g.path}, "stale-golden", "result for %q matches no case in %s; ruled test --update removes it", name, r.file.Name)
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

// update rewrites the golden file of every test file with a selected case:
// the results of this run for selected cases, the old entries of the
// others, in the order of the cases; entries of cases gone are dropped.
func (t *tester) update(runs []*caseRun) error {
	actual := map[*loader.TestCase]string{}
	for _, r := range runs {
		if r.selected && r.res != nil {
			actual[r.tc] = r.actual
		}
	}
	for _, f := range t.suite.Files {
		g, ok := t.goldens[f.Name]
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
			verb := "updated"
			if g.data == nil {
				verb = "created"
			}
			if err := os.WriteFile(filepath.FromSlash(g.path), b.Bytes(), 0o644); err != nil {
				return fmt.Errorf("writing golden file: %w", err)
			}
			out := t.e.stdout
			if t.cmd.Format == "json" {
				out = t.e.stderr
			}
			fmt.Fprintf(out, "%s %s\n", verb, g.path)
		}
		g.data, g.entries = b.Bytes(), entries
	}
	return nil
}
