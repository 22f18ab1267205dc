package loader

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLoadConfigMap loads a directory laid out like a Kubernetes ConfigMap
// mount: the files live in a hidden timestamped directory, reached through
// the hidden ..data link, and are linked from the top. Each must be read
// once, under its top-level name.
func TestLoadConfigMap(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "..2026_01_01_00_00_00.000000001")
	must(t, os.Mkdir(data, 0o755))
	must(t, os.WriteFile(filepath.Join(data, "rules.yaml"), []byte(rule("")), 0o644))
	must(t, os.WriteFile(filepath.Join(data, "ruled.yaml"), []byte("timezone: UTC\n"), 0o644))
	must(t, os.Symlink(filepath.Base(data), filepath.Join(dir, "..data")))
	must(t, os.Symlink("..data/rules.yaml", filepath.Join(dir, "rules.yaml")))
	must(t, os.Symlink("..data/ruled.yaml", filepath.Join(dir, "ruled.yaml")))
	must(t, os.Symlink("..data/gone.yaml", filepath.Join(dir, "gone.md"))) // dangling, not YAML: ignored

	set, diags := Load(dir)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	if len(set.CartRules) != 1 {
		t.Fatalf("got %d cart rules, want 1", len(set.CartRules))
	}
	if got, want := set.CartRules[0].Pos.File, filepath.ToSlash(filepath.Join(dir, "rules.yaml")); got != want {
		t.Errorf("rule read from %s, want %s", got, want)
	}
	if got := strings.Join(set.Files, " "); got != "ruled.yaml rules.yaml" {
		t.Errorf("Files = %s, want ruled.yaml rules.yaml", got)
	}
	if set.Config.Timezone != "UTC" {
		t.Errorf("Timezone = %q, want UTC", set.Config.Timezone)
	}
}

// TestLoadDirProblems checks what Load says about the directory itself and
// about links it does not follow.
func TestLoadDirProblems(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "shared"), 0o755))
	must(t, os.Symlink("shared", filepath.Join(dir, "linked")))
	must(t, os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")))
	_, diags := Load(dir)
	root := filepath.ToSlash(dir)
	want := root + "/dangling.yaml: cannot read: no such file or directory\n" +
		root + "/linked: warning: directory is a symbolic link and is not read: ruled follows links to files only"
	if got := diags.Error(); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}

	_, diags = Load(filepath.Join(dir, "nope"))
	if want := root + "/nope: cannot read rules directory: no such file or directory"; diags.Error() != want {
		t.Errorf("missing directory:\n%s\nwant:\n%s", diags.Error(), want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestImports keeps the dependency direction: the loader reads files into
// the rule model and never reaches up into the engine or the binary. It
// uses the condition language's package only where a format is dsl's to
// parse or print (.rules files, canonical conditions); conditions it reads
// stay text with positions, which the engine compiles.
func TestImports(t *testing.T) {
	dslFiles := map[string]bool{"rulesfile.go": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, banned := range []string{"/engine", "/dsl", "/cmd/", "/membership", "github.com/expr-lang/", "github.com/alecthomas/participle"} {
				if strings.Contains(path, banned) && !(banned == "/dsl" && dslFiles[name]) {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
}
