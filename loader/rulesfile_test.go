package loader

import (
	"github.com/ruled/ruled/diag"
	"testing"
	"testing/fstest"
)

// TestRulesFileBlocks loads placements and blocks from a .rules file:
// content files are read relative to the .rules file, as for YAML, and
// their problems are positioned in it.
func TestRulesFileBlocks(t *testing.T) {
	fsys := fstest.MapFS{
		"promos/blocks.rules": {Data: []byte(`placement home.hero "Hero" {
  rotation random
}

block a "A" in home.hero {
  content file "content/a.html"
  data {"cta": "Go", "n": 2.50}
}

block b "B" in home.hero {
  content file "../../outside.html"
}

block c "C" in home.hero {
  content file "content/missing.html"
}
`)},
		"promos/content/a.html": {Data: []byte("<p>A</p>\n")},
	}
	set, diags := LoadFS(fsys, "rules")
	want := `rules/promos/blocks.rules:11:16: content_file "../../outside.html" is outside the rules directory: keep content files beside the rules
rules/promos/blocks.rules:15:16: content_file "content/missing.html" does not exist (looked for rules/promos/content/missing.html)`
	var errs diag.List
	for _, d := range diags {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	errs.Sort()
	if got := errs.Error(); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	if len(set.Placements) != 1 || len(set.Blocks) != 3 {
		t.Fatalf("placements %d, blocks %d", len(set.Placements), len(set.Blocks))
	}
	a := set.Blocks[0]
	if a.Content != "<p>A</p>\n" || a.ContentFile != "content/a.html" || string(a.Data) != `{"cta":"Go","n":2.5}` {
		t.Errorf("block a: content %q, file %q, data %s", a.Content, a.ContentFile, a.Data)
	}
	found := false
	for _, f := range set.Files {
		found = found || f == "promos/content/a.html"
	}
	if !found {
		t.Errorf("the content file is not among the watched files: %v", set.Files)
	}
}
