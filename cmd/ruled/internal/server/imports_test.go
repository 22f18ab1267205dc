package server

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the dependencies pointing inward: the server gets its
// rule sets from a CompileFunc and never reads files, YAML or notifications
// itself.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, banned := range []string{"github.com/ruled/ruled/loader", "github.com/ruled/ruled/dsl", "github.com/fsnotify/", "go.yaml.in/", "github.com/expr-lang/"} {
				if strings.HasPrefix(path, banned) {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
}
