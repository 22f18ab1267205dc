package ruled

import (
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ruled/ruled"

// layer is what one package's doc.go says it may and must not import.
type layer struct {
	// dir is the package's folder in the module.
	dir string
	// says is a phrase of its doc.go that states the rule: if the doc
	// changes, the test says so, and the rule is looked at again.
	says []string
	// within, when not nil, lists the only packages of the module it may
	// depend on, directly or not.
	within []string
	// forbid lists import paths (or prefixes ending in /) it must not
	// depend on: directly for the standard library (fmt itself imports
	// os), directly or not for everything else.
	forbid []string
	// stdOnly: nothing but the standard library, directly or not.
	stdOnly bool
}

var layers = []layer{
	{dir: "diag", says: []string{"diag is a leaf: it imports only the standard library"}, stdOnly: true},
	{dir: "membership", says: []string{"It must not import any other ruled package"}, within: []string{}},
	{dir: "money", says: []string{"money is a leaf package"}, within: []string{}},
	{dir: "rules", says: []string{"rules sits below the engine and above diag and money. It does no I/O and knows nothing of YAML, the DSL or expr"},
		within: []string{"diag", "money"}, forbid: []string{"os", "io/fs", "net/http", "go.yaml.in/", "github.com/expr-lang/", "github.com/alecthomas/participle/"}},
	{dir: "dsl", says: []string{"It imports rules, diag and money"}, within: []string{"rules", "diag", "money"}, forbid: []string{"os", "net/http", "go.yaml.in/"}},
	{dir: "engine", says: []string{"engine sits above dsl, rules, money and diag and never imports files, YAML, fsnotify or net/http"},
		within: []string{"dsl", "rules", "money", "diag"}, forbid: []string{"os", "io/fs", "path/filepath", "net/http", "go.yaml.in/", "github.com/fsnotify/"}},
	{dir: "loader", says: []string{"It must not import the engine", "It imports dsl only to read .rules files"},
		within: []string{"rules", "diag", "money", "dsl"}, forbid: []string{"net/http"}},
	{dir: "ruletest", says: []string{"it must not import net/http, the server or the CLI library"},
		within: []string{"engine", "loader", "diag", "money", "membership", "dsl", "rules", "textdiff"}, forbid: []string{"net/http", "github.com/alecthomas/kong"}},
	{dir: "textdiff", says: []string{"textdiff is a leaf: it imports no other ruled package"}, within: []string{}},
	{dir: "corpus", says: []string{"it imports engine for the cart model and nothing of HTTP, YAML or the loader"},
		within: []string{"engine", "dsl", "rules", "money", "diag"}, forbid: []string{"net/http", "os/exec", "go.yaml.in/"}},
	{dir: "whatif", says: []string{"it never reads rule files (the caller compiles both sets) and imports nothing of HTTP or git"},
		within: []string{"corpus", "engine", "dsl", "rules", "money", "diag"}, forbid: []string{"net/http", "os/exec", "go.yaml.in/"}},
	{dir: "gitrev", says: []string{"gitrev knows nothing of rules"}, within: []string{}},
	{dir: "cmd/ruled/internal/server", says: []string{"It must not import the loader or fsnotify", "It mounts the web dashboard (package web)"},
		within: []string{"engine", "diag", "money", "membership", "dsl", "rules", "web", "store"}, forbid: []string{"go.yaml.in/", "github.com/fsnotify/"}},
	{dir: "store", says: []string{"store imports no database driver and nothing of the engine, loader or server"},
		within: []string{"money"}, forbid: []string{"database/sql", "net/http"}},
	{dir: "store/sqldb", says: []string{"It imports no driver"}, within: []string{"store", "money"}, forbid: []string{"net/http"}},
	{dir: "web", says: []string{"must not import the server, the loader, YAML, fsnotify or any third-party module"},
		within: []string{"engine", "diag", "money", "dsl", "rules"}, forbid: []string{"go.yaml.in/", "github.com/fsnotify/", "github.com/graph-gophers/", "github.com/prometheus/"}},
	{dir: "cdp", says: []string{"must not import the server, the loader or the engine"},
		within: []string{"rules", "diag", "money"}, forbid: []string{"os", "go.yaml.in/", "github.com/fsnotify/"}},
}

// homes are the third-party modules whose doc.go names their only
// importer.
var homes = []struct {
	module, home, says string
}{
	{"github.com/shopspring/decimal", "money", "the only importer of github.com/shopspring/decimal"},
	{"github.com/alecthomas/participle/v2", "dsl", "dsl is the only importer of participle and expr"},
	{"github.com/expr-lang/expr", "dsl", "dsl is the only importer of participle and expr"},
	{"go.yaml.in/yaml/v3", "loader", "It is the only importer of YAML (go.yaml.in/yaml/v3) and of fsnotify"},
	{"github.com/fsnotify/fsnotify", "loader", "It is the only importer of YAML (go.yaml.in/yaml/v3) and of fsnotify"},
	{"github.com/graph-gophers/graphql-go", "cmd/ruled/internal/server", "the only importer of github.com/graph-gophers/graphql-go"},
	{"github.com/prometheus/client_golang", "cmd/ruled/internal/server", "github.com/prometheus/client_golang"},
	{"github.com/go-jose/go-jose/v4", "membership", "it is the only importer of github.com/go-jose/go-jose/v4"},
	{"modernc.org/sqlite", "store/sqlite", "It is the only importer of modernc.org/sqlite"},
	{"github.com/jackc/pgx/v5", "store/postgres", "It is the only importer of github.com/jackc/pgx"},
	{"github.com/chromedp/chromedp", "web/e2e", "is the one importer of github.com/chromedp/chromedp"},
	{"github.com/pb33f/libopenapi", "cmd/ruled/internal/server", "the only importer of github.com/pb33f/libopenapi"},
	{"github.com/aymanbagabas/go-udiff", "textdiff", "It is the only importer of github.com/aymanbagabas/go-udiff"},
}

// pkg is a package of the module or one it imports.
type pkg struct {
	ImportPath string
	// Imports are its direct imports (non-test files, as built here).
	Imports []string
	// Deps are its imports, direct or not: the packages of the module it
	// reaches and everything they import.
	Deps     []string
	Standard bool
}

// TestLayers checks every layer's imports, direct and indirect, against
// what its doc.go says, and that each third-party module named in a doc.go
// as having one home is imported by that package alone.
func TestLayers(t *testing.T) {
	pkgs := list(t)
	for _, l := range layers {
		t.Run(l.dir, func(t *testing.T) {
			doc := readDoc(t, l.dir)
			for _, s := range l.says {
				if !strings.Contains(doc, s) {
					t.Errorf("%s/doc.go no longer says %q: update this test with it", l.dir, s)
				}
			}
			p, ok := pkgs[module+"/"+l.dir]
			if !ok {
				t.Fatalf("no package in %s", l.dir)
			}
			for _, dep := range p.Deps {
				d := pkgs[dep]
				switch inModule := strings.HasPrefix(dep, module+"/"); {
				case l.stdOnly && (d == nil || !d.Standard):
					t.Errorf("%s depends on %s: it may use the standard library only", l.dir, dep)
				case inModule && l.within != nil && !slices.Contains(l.within, strings.TrimPrefix(dep, module+"/")):
					t.Errorf("%s depends on %s: its doc.go allows only %v", l.dir, dep, l.within)
				}
				for _, f := range l.forbid {
					std := d != nil && d.Standard
					if (dep == f || strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) && (!std || slices.Contains(p.Imports, dep)) {
						t.Errorf("%s depends on %s, which its doc.go rules out", l.dir, dep)
					}
				}
			}
		})
	}
	for _, h := range homes {
		if doc := readDoc(t, h.home); !strings.Contains(doc, h.says) {
			t.Errorf("%s/doc.go no longer says %q: update this test with it", h.home, h.says)
		}
		for _, p := range pkgs {
			if !strings.HasPrefix(p.ImportPath, module) || p.ImportPath == module+"/"+h.home {
				continue
			}
			for _, imp := range p.Imports {
				if imp == h.module || strings.HasPrefix(imp, h.module+"/") {
					t.Errorf("%s imports %s, whose only importer is %s", p.ImportPath, imp, h.home)
				}
			}
		}
	}
}

// TestOneHome checks the house rule for every module go.mod requires, not
// only those a doc.go names: each third-party module is imported by one
// package of ours (tests aside), so that its types do not spread and it
// is replaced in one place.
func TestOneHome(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var required []string
	inBlock := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "require" && f[1] == "(":
			inBlock = true
		case inBlock && len(f) == 1 && f[0] == ")":
			inBlock = false
		case inBlock && len(f) >= 2:
			required = append(required, f[0])
		case len(f) >= 3 && f[0] == "require":
			required = append(required, f[1])
		}
	}
	if len(required) == 0 {
		t.Fatal("go.mod requires nothing: is it still read right?")
	}
	// moduleOf is the required module that provides an import path: the
	// longest that is a prefix of it.
	moduleOf := func(imp string) string {
		best := ""
		for _, m := range required {
			if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(best) {
				best = m
			}
		}
		return best
	}
	importers := map[string][]string{} // module -> our packages importing it
	for _, p := range list(t) {
		if !strings.HasPrefix(p.ImportPath, module) {
			continue
		}
		for _, imp := range p.Imports {
			if m := moduleOf(imp); m != "" && !slices.Contains(importers[m], p.ImportPath) {
				importers[m] = append(importers[m], p.ImportPath)
			}
		}
	}
	for m, pkgs := range importers {
		if len(pkgs) > 1 {
			slices.Sort(pkgs)
			t.Errorf("%s is imported by %d packages, %v: give it one home", m, len(pkgs), pkgs)
		}
	}
}

// readDoc returns the text of a package's doc.go with the comment markers
// dropped and the spaces collapsed, so that a phrase is found however the
// lines wrap.
func readDoc(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(dir + "/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, line := range strings.Split(string(data), "\n") {
		words = append(words, strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "//"))...)
	}
	return strings.Join(words, " ")
}

// list reads the imports of every package of the module from its files
// (go/build, which honours build constraints and leaves out tests: tests
// may import what they like). Reading the files themselves, rather than
// asking the go command, lets the test cache see a change.
func list(t *testing.T) map[string]*pkg {
	t.Helper()
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != "." {
			return filepath.SkipDir // a module of its own
		}
		bp, err := build.Default.ImportDir(path, 0)
		if errors.As(err, new(*build.NoGoError)) {
			return nil
		} else if err != nil {
			return err
		}
		ip := module
		if path != "." {
			ip += "/" + filepath.ToSlash(path)
		}
		pkgs[ip] = &pkg{ImportPath: ip, Imports: bp.Imports}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var deps func(p *pkg, seen map[string]bool)
	deps = func(p *pkg, seen map[string]bool) {
		for _, imp := range p.Imports {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			if q, ok := pkgs[imp]; ok {
				deps(q, seen)
			}
		}
	}
	var outside []string
	for _, p := range pkgs {
		seen := map[string]bool{}
		deps(p, seen)
		for imp := range seen {
			p.Deps = append(p.Deps, imp)
			if _, ok := pkgs[imp]; !ok {
				outside = append(outside, imp)
			}
		}
		slices.Sort(p.Deps)
	}
	for _, imp := range outside {
		// The standard library's paths have no dot in their first element.
		first, _, _ := strings.Cut(imp, "/")
		pkgs[imp] = &pkg{ImportPath: imp, Standard: !strings.Contains(first, ".")}
	}
	return pkgs
}
