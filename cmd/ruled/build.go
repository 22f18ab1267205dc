package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ruled/ruled/cmd/ruled/internal/server"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

// builder loads and compiles one rules directory, again and again as serve
// reloads it: its loader.Cache reads every file once per build and parses
// only the files that changed, and a directory whose version has not
// changed gives back what was built from it before. Every build is what a
// build from scratch gives (check, eval and test build from scratch).
type builder struct {
	dir   string
	cache loader.Cache

	mu   sync.Mutex    // one build at a time
	last *server.Build // the last build, nil before the first
}

// build loads and compiles the directory: exactly what `ruled check` runs.
// The error is for a directory that cannot be read at all; problems in the
// files are diagnostics, and the Program is nil when any is an error.
func (b *builder) build() (*server.Build, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, err := os.Stat(b.dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("rules directory %s: not a directory", b.dir)
	}
	set, diags, stats, err := b.cache.Load(b.dir)
	if err != nil {
		return nil, fmt.Errorf("rules directory: %w", err)
	}
	out := &server.Build{
		Version: stats.Version, Files: stats.Files, Parsed: stats.Parsed,
		Stages: []server.Stage{{Name: "read", Duration: stats.Read}, {Name: "parse", Duration: stats.Parse}, {Name: "validate", Duration: stats.Validate}},
	}
	if b.last != nil && b.last.Version == stats.Version {
		// The same bytes: what was compiled from them still holds.
		out.Program, out.Diagnostics = b.last.Program, b.last.Diagnostics
		out.Stages = append(out.Stages, server.Stage{Name: "compile"})
		b.last = out
		return out, nil
	}
	start := time.Now()
	// Conditions are compiled even when the files have other problems, so
	// that one run reports everything; a program is only kept when nothing
	// at all is wrong.
	prog, more := engine.Compile(set)
	out.Stages = append(out.Stages, server.Stage{Name: "compile", Duration: time.Since(start)})
	out.Diagnostics = merge(diags, more)
	if !out.Diagnostics.HasErrors() {
		out.Program = prog
	}
	b.last = out
	return out, nil
}

// compile loads and compiles a rules directory from scratch: exactly what
// serve does before it swaps a new rule set in. The error is for a
// directory that cannot be read at all; problems in the files are
// diagnostics.
func compile(dir string) (*engine.Program, diag.List, error) {
	b, err := (&builder{dir: dir}).build()
	if err != nil {
		return nil, nil, err
	}
	return b.Program, b.Diagnostics, nil
}
