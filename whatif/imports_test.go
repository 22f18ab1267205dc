package whatif

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps whatif and corpus above the engine and away from rule
// files, HTTP and git: the command line hands them compiled programs.
func TestImports(t *testing.T) {
	for _, dir := range []string{".", "../corpus"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
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
				for _, banned := range []string{"github.com/ruled/ruled/loader", "github.com/ruled/ruled/gitrev", "github.com/ruled/ruled/cmd/", "net/http", "os/exec", "go.yaml.in/"} {
					if strings.HasPrefix(path, banned) {
						t.Errorf("%s imports %s", name, path)
					}
				}
			}
		}
	}
}
