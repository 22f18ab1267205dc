package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruled/ruled/rules"
	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/postgres"
	"github.com/ruled/ruled/store/sqlite"
)

// storeFlag chooses the usage store: counters, budgets, generated codes.
type storeFlag struct {
	Store string `help:"Usage store (limits, budgets, generated codes, orders): sqlite:PATH, postgres://USER@HOST/DB, or none. Default: SQLite in .ruled/usage.db inside the rules directory, opened when a rule has limits, a budget or generated codes." env:"RULED_STORE" placeholder:"STORE"`
}

// defaultStore is where the embedded store lives, inside the rules
// directory but hidden, so that loading and watching the rules skip it.
const defaultStore = ".ruled/usage.db"

// needsStore reports whether a rule of set has limits, a budget or
// generated codes.
func needsStore(set *rules.Set) bool {
	for i := range set.CartRules {
		if set.CartRules[i].Limited() {
			return true
		}
	}
	return false
}

// explicit reports whether a store was named (not the default).
func (f storeFlag) explicit() bool { return f.Store != "" }

// open opens the store the flag names, applying its migrations; nil for
// none.
func (f storeFlag) open(ctx context.Context, rulesDir string) (store.Store, error) {
	spec := f.Store
	switch {
	case spec == "none":
		return nil, nil
	case spec == "":
		path := filepath.Join(rulesDir, defaultStore)
		if _, err := os.Stat(rulesDir); err != nil {
			return nil, fmt.Errorf("usage store: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("usage store: %w", err)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("--store sqlite: needs a path, e.g. sqlite:/var/lib/ruled/usage.db")
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return postgres.Open(ctx, spec)
	}
	return nil, fmt.Errorf("--store %q: want sqlite:PATH, postgres://... or none", spec)
}
