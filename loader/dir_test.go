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

// TestContentFileSymlink checks that a content file cannot leave the rules
// directory through a symbolic link, while links that stay inside (as in a
// ConfigMap mount) are read.
func TestContentFileSymlink(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	must(t, os.WriteFile(outside, []byte("not for shoppers"), 0o644))
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "blocks", "content", "real"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "blocks", "content", "real", "in.html"), []byte("<p>in</p>"), 0o644))
	must(t, os.Symlink("real/in.html", filepath.Join(dir, "blocks", "content", "inside.html")))
	must(t, os.Symlink("real", filepath.Join(dir, "blocks", "content", "dir")))
	must(t, os.Symlink(outside, filepath.Join(dir, "blocks", "content", "abs.html")))
	must(t, os.Symlink("../../../"+filepath.Base(filepath.Dir(outside)), filepath.Join(dir, "blocks", "content", "up")))
	must(t, os.Symlink("loop.html", filepath.Join(dir, "blocks", "content", "loop.html")))
	var b strings.Builder
	b.WriteString("placements:\n  - id: hero\nblocks:\n")
	for _, f := range []string{"inside.html", "dir/in.html", "abs.html", "up/secret.txt", "loop.html"} {
		b.WriteString("  - id: b" + strconv.Itoa(b.Len()) + "\n    name: B\n    placement: hero\n    content_file: content/" + f + "\n")
	}
	must(t, os.WriteFile(filepath.Join(dir, "blocks", "blocks.yaml"), []byte(b.String()), 0o644))

	set, diags := Load(dir)
	var got []string
	for _, d := range diags {
		if strings.Contains(d.Code, "content") {
			got = append(got, d.Code+": "+d.Message)
		}
	}
	up := "../" + filepath.Base(filepath.Dir(outside)) // relative to the rules directory
	want := []string{
		`content-file-outside: content_file "content/abs.html" leads through a symbolic link to ` + outside + `, outside the rules directory: keep content files beside the rules`,
		`content-file-outside: content_file "content/up/secret.txt" leads through a symbolic link to ` + up + `, outside the rules directory: keep content files beside the rules`,
		`unreadable-content-file: content_file "content/loop.html" cannot be read: open blocks/content/loop.html: too many levels of symbolic links`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, bl := range set.Blocks {
		if strings.Contains(bl.Content, "shoppers") {
			t.Errorf("block %s serves a file outside the rules directory", bl.ID)
		}
	}
	if len(set.Blocks) != 5 || set.Blocks[0].Content != "<p>in</p>" || set.Blocks[1].Content != "<p>in</p>" {
		t.Errorf("links inside the directory: %d blocks, %q %q", len(set.Blocks), set.Blocks[0].Content, set.Blocks[1].Content)
	}
}
