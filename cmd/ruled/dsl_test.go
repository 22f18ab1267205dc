package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/rules"
)

const demoDir = "../../testdata/demo"

// demoAudiences is the demo registry as conditions see it, so that
// conditions can be compiled and compared by the code they lower to.
func demoAudiences(t *testing.T) []dsl.Audience {
	t.Helper()
	set, diags := loader.Load(demoDir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var out []dsl.Audience
	for _, a := range set.Audiences {
		out = append(out, dsl.Audience{ID: a.ID, Name: a.Name})
	}
	return out
}

// modelOpts compare rule models positions aside. Two conditions are equal
// when they are the same condition (dsl.EqualConditions) and compile to
// the same code.
func modelOpts(t *testing.T) cmp.Options {
	auds := demoAudiences(t)
	code := func(text string) string {
		if text == "" {
			return ""
		}
		p, errs := dsl.Compile(text, dsl.Options{Audiences: auds, Item: true})
		if len(errs) > 0 {
			return "error: " + errs[0].Msg
		}
		return p.Code()
	}
	return cmp.Options{
		cmpopts.IgnoreFields(rules.CartRule{}, "Pos", "Fields"),
		cmpopts.IgnoreFields(rules.Audience{}, "Pos", "Fields"),
		cmpopts.IgnoreFields(rules.Placement{}, "Pos", "Fields"),
		cmpopts.IgnoreFields(rules.Block{}, "Pos", "Fields"),
		cmp.Comparer(func(a, b rules.Expr) bool {
			return dsl.EqualConditions(a.Text, b.Text) && code(a.Text) == code(b.Text)
		}),
		cmpopts.EquateEmpty(),
	}
}

// demoFiles lists the demo's rule files (YAML and .rules, with cart rules,
// placements or blocks) and audiences.yaml.
func demoFiles(t *testing.T) (yamls, dsls []string) {
	t.Helper()
	err := filepath.WalkDir(demoDir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case isRulesFile(p):
			dsls = append(dsls, p)
		case isYAML(p) && (loader.HasConditions(filepath.ToSlash(p)) || filepath.Base(p) == "audiences.yaml"):
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if f, _ := loader.ReadFile(p, data); len(f.CartRules)+len(f.Audiences)+len(f.Placements)+len(f.Blocks) > 0 {
				yamls = append(yamls, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(yamls) < 5 || len(dsls) < 1 {
		t.Fatalf("demo files: %v %v", yamls, dsls)
	}
	return yamls, dsls
}

// TestConvertDemoRoundTrip converts every demo rule file to the other
// format and back, and compares the models read at each step.
func TestConvertDemoRoundTrip(t *testing.T) {
	opts := modelOpts(t)
	yamls, dsls := demoFiles(t)
	for _, p := range yamls {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, _ := os.ReadFile(p)
			orig, diags := loader.ReadFile(p, data)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			// YAML -> .rules -> model.
			text, diags, err := yamlToRules(p, data)
			if err != nil || diags.HasErrors() {
				t.Fatalf("to .rules: %v %v", err, diags)
			}
			doc, diags := dsl.ParseRules("x.rules", text)
			if len(diags) > 0 {
				t.Fatalf("reading the .rules: %v\n%s", diags, text)
			}
			if diff := cmp.Diff(orig.CartRules, doc.CartRules, opts); diff != "" {
				t.Errorf("YAML -> .rules: rules (-yaml +rules):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Audiences, doc.Audiences, opts); diff != "" {
				t.Errorf("YAML -> .rules: audiences (-yaml +rules):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Placements, doc.Placements, opts); diff != "" {
				t.Errorf("YAML -> .rules: placements (-yaml +rules):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Blocks, doc.Blocks, opts); diff != "" {
				t.Errorf("YAML -> .rules: blocks (-yaml +rules):\n%s", diff)
			}
			// ... -> YAML -> model.
			back, diags, err := rulesToYAML("x.rules", text, "")
			if err != nil || diags.HasErrors() {
				t.Fatalf("back to YAML: %v %v", err, diags)
			}
			again, diags := loader.ReadFile(p, back)
			if diags.HasErrors() {
				t.Fatalf("reading the YAML: %v\n%s", diags, back)
			}
			if diff := cmp.Diff(orig.CartRules, again.CartRules, opts); diff != "" {
				t.Errorf(".rules -> YAML: rules (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Audiences, again.Audiences, opts); diff != "" {
				t.Errorf(".rules -> YAML: audiences (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Placements, again.Placements, opts); diff != "" {
				t.Errorf(".rules -> YAML: placements (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Blocks, again.Blocks, opts); diff != "" {
				t.Errorf(".rules -> YAML: blocks (-before +after):\n%s", diff)
			}
		})
	}
	for _, p := range dsls {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, _ := os.ReadFile(p)
			orig, diags := dsl.ParseRules(p, data)
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			y, diags, err := rulesToYAML(p, data, "")
			if err != nil || diags.HasErrors() {
				t.Fatalf("to YAML: %v %v", err, diags)
			}
			f, diags := loader.ReadFile("rules.yaml", y)
			if diags.HasErrors() {
				t.Fatalf("reading the YAML: %v\n%s", diags, y)
			}
			if diff := cmp.Diff(orig.CartRules, f.CartRules, opts); diff != "" {
				t.Errorf(".rules -> YAML: rules (-rules +yaml):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Placements, f.Placements, opts); diff != "" {
				t.Errorf(".rules -> YAML: placements (-rules +yaml):\n%s", diff)
			}
			if diff := cmp.Diff(orig.Blocks, f.Blocks, opts); diff != "" {
				t.Errorf(".rules -> YAML: blocks (-rules +yaml):\n%s", diff)
			}
			text, diags, err := yamlToRules("rules.yaml", y)
			if err != nil || diags.HasErrors() {
				t.Fatalf("back to .rules: %v %v", err, diags)
			}
			if string(text) != string(data) {
				t.Errorf("the demo file is not what convert writes (run ruled convert and fmt):\n%s", text)
			}
		})
	}
}

// TestMixedProject loads the demo as it is (YAML and .rules), all in YAML
// and all in .rules: the three rule sets are the same, and compile.
func TestMixedProject(t *testing.T) {
	opts := modelOpts(t)
	yamls, dsls := demoFiles(t)
	mixed, diags := loader.Load(demoDir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, to := range []string{"yaml", "rules"} {
		t.Run("all "+to, func(t *testing.T) {
			dir := t.TempDir()
			copyDemo(t, dir)
			from := dsls
			if to == "rules" {
				from = yamls
			}
			for _, p := range from {
				rel, _ := filepath.Rel(demoDir, p)
				data, _ := os.ReadFile(p)
				var out []byte
				var err error
				name := strings.TrimSuffix(rel, filepath.Ext(rel)) + "." + to
				if to == "yaml" {
					out, _, err = rulesToYAML(p, data, "")
				} else {
					out, _, err = yamlToRules(p, data)
				}
				if err != nil {
					t.Fatal(err)
				}
				mustDo(t, os.Remove(filepath.Join(dir, rel)))
				mustDo(t, os.WriteFile(filepath.Join(dir, name), out, 0o644))
			}
			set, diags := loader.Load(dir)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			byID := func(a, b rules.CartRule) int { return strings.Compare(a.ID, b.ID) }
			slices.SortFunc(mixed.CartRules, byID)
			slices.SortFunc(set.CartRules, byID)
			if diff := cmp.Diff(mixed.CartRules, set.CartRules, opts); diff != "" {
				t.Errorf("rules (-demo +converted):\n%s", diff)
			}
			if diff := cmp.Diff(mixed.Audiences, set.Audiences, opts); diff != "" {
				t.Errorf("audiences (-demo +converted):\n%s", diff)
			}
			slices.SortFunc(mixed.Placements, func(a, b rules.Placement) int { return strings.Compare(a.ID, b.ID) })
			slices.SortFunc(set.Placements, func(a, b rules.Placement) int { return strings.Compare(a.ID, b.ID) })
			if diff := cmp.Diff(mixed.Placements, set.Placements, opts); diff != "" {
				t.Errorf("placements (-demo +converted):\n%s", diff)
			}
			slices.SortFunc(mixed.Blocks, func(a, b rules.Block) int { return strings.Compare(a.ID, b.ID) })
			slices.SortFunc(set.Blocks, func(a, b rules.Block) int { return strings.Compare(a.ID, b.ID) })
			if len(set.Blocks) < 6 {
				t.Errorf("%d blocks: the demo has more", len(set.Blocks))
			}
			if diff := cmp.Diff(mixed.Blocks, set.Blocks, opts); diff != "" {
				t.Errorf("blocks (-demo +converted):\n%s", diff)
			}
			if _, diags := engine.Compile(set); diags.HasErrors() {
				t.Errorf("compile: %v", diags)
			}
		})
	}
}

func copyDemo(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(demoDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(demoDir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckRulesFiles(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"badcond", `testdata/dslcmd/badcond/promos.rules:4:18: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?
        and audience("VIP Shopers")
                     ^
testdata/dslcmd/badcond/promos.rules:5:62: unknown field "item.qyt"; did you mean "item.qty"?
      discount 50% on items where "shoes" in item.categories and item.qyt >= 1
                                                                 ^
2 errors
`},
		{"badsyntax", `testdata/dslcmd/badsyntax/promos.rules:9:20: unexpected "{": rule socks (line 6) is not closed; add "}" on the line before this declaration
    rule other "Other" {
                       ^
1 error
`},
		{"badblock", `testdata/dslcmd/badblock/blocks.rules:10:18: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?
        and audience("VIP Shopers")
                     ^
1 error
`},
		{"dup", `testdata/dslcmd/dup/b.rules:1:6: duplicate rule id "same": already used at testdata/dslcmd/dup/a.yaml:2:9
    rule same "In the .rules language" {
         ^
1 error
`},
	} {
		code, out, errs := runCLI(t, "", "check", "--rules", "testdata/dslcmd/"+tc.dir)
		if code != exitWrong || out != "" {
			t.Errorf("%s: exit %d, stdout %q", tc.dir, code, out)
		}
		if errs != tc.want {
			t.Errorf("%s: stderr:\n%s\nwant:\n%s", tc.dir, errs, tc.want)
		}
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"messy.rules", "rules.yaml", "audiences.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/dslcmd/fmt", name))
		mustDo(t, err)
		mustDo(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	before, diags := loader.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	messy, yml := filepath.Join(dir, "messy.rules"), filepath.Join(dir, "rules.yaml")

	code, out, errs := runCLI(t, "", "fmt", "-l", dir)
	if code != exitWrong || out != messy+"\n"+yml+"\n" || errs != "" {
		t.Errorf("fmt -l: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "fmt", "-d", yml)
	if code != exitWrong || !strings.Contains(out, "-      items: '\"shoes\"   in item.categories'\n+      items: '\"shoes\" in item.categories'\n") {
		t.Errorf("fmt -d: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "fmt", messy)
	golden, _ := os.ReadFile("testdata/dslcmd/fmt/messy.rules.golden")
	if code != exitOK || out != string(golden) {
		t.Errorf("fmt: exit %d\n%s\nwant:\n%s", code, out, golden)
	}
	code, out, errs = runCLI(t, "", "fmt", "--rules", dir, "-w")
	if code != exitOK || out != "" || errs != "" {
		t.Errorf("fmt -w: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, name := range []string{"messy.rules", "rules.yaml"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		want, _ := os.ReadFile(filepath.Join("testdata/dslcmd/fmt", name+".golden"))
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s after fmt -w (-want +got):\n%s", name, diff)
		}
	}
	code, out, _ = runCLI(t, "", "fmt", "-l", "-d", dir)
	if code != exitOK || out != "" {
		t.Errorf("fmt -l after -w: exit %d, stdout %q", code, out)
	}
	after, diags := loader.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	opts := modelOpts(t)
	if diff := cmp.Diff(before.CartRules, after.CartRules, opts); diff != "" {
		t.Errorf("fmt changed the rules (-before +after):\n%s", diff)
	}
}

func TestFmtDemoIsFormatted(t *testing.T) {
	code, out, errs := runCLI(t, "", "fmt", "-l", demoDir)
	if code != exitOK || out != "" || errs != "" {
		t.Errorf("fmt -l %s: exit %d, stdout %q, stderr %q", demoDir, code, out, errs)
	}
}

func TestFmtErrors(t *testing.T) {
	code, _, errs := runCLI(t, "", "fmt", "testdata/dslcmd/badsyntax/promos.rules")
	if code != exitWrong || !strings.Contains(errs, `promos.rules:9:20: unexpected "{"`) {
		t.Errorf("fmt of a broken file: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "", "fmt", "testdata/dslcmd/nope")
	if code != exitCantRun || !strings.Contains(errs, "no such file") {
		t.Errorf("fmt of a missing file: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "", "fmt", "main.go")
	if code != exitCantRun || !strings.Contains(errs, "not a .rules or YAML file") {
		t.Errorf("fmt of a Go file: exit %d\n%s", code, errs)
	}
}

func TestConvert(t *testing.T) {
	code, out, errs := runCLI(t, "", "convert", demoDir+"/rules/multibuy.rules")
	if code != exitOK || !strings.HasPrefix(out, "# Multi-buy, brand and quantity promotions.\n\ncart_rules:\n") {
		t.Errorf("convert to YAML: exit %d\n%s%s", code, out, errs)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "targeted.rules")
	code, out, errs = runCLI(t, "", "convert", "-o", dst, demoDir+"/rules/targeted.yaml")
	if code != exitOK || out != "" || errs != "" {
		t.Errorf("convert -o: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if data, _ := os.ReadFile(dst); !strings.Contains(string(data), "rule vip-15-everything \"VIP - 15% off everything including shipping\" {\n") {
		t.Errorf("converted file:\n%s", data)
	}
	// Blocks both ways: content files stay files, data stays JSON.
	code, out, errs = runCLI(t, "", "convert", "testdata/dslcmd/badblock/blocks.rules")
	if code != exitWrong || !strings.Contains(errs, "audiences and cart rules, placements or blocks cannot share") {
		t.Errorf("convert blocks with an audience: exit %d\n%s%s", code, out, errs)
	}
	blocksYAML := filepath.Join(dir, "blocks.yaml")
	if code, out, errs := runCLI(t, "", "convert", "-o", blocksYAML, demoDir+"/blocks/blocks.rules"); code != exitOK {
		t.Fatalf("convert the demo's blocks to YAML: exit %d\n%s%s", code, out, errs)
	}
	blocks := filepath.Join(dir, "blocks.rules")
	code, out, errs = runCLI(t, "", "convert", "-o", blocks, blocksYAML)
	if data, _ := os.ReadFile(blocks); code != exitOK || !strings.Contains(string(data), `block holiday-hero-lapsed "Holiday hero - welcome back" in home.hero {
  active 2026-12-01 .. 2026-12-31
  when audience("Lapsed Customers") and not audience("Churn Risk")
  content file "content/holiday-hero.html"
  data {"cta": "Shop gifts", "href": "/gifts", "image": "/media/hero/holiday-2026.jpg"}
}`) {
		t.Errorf("convert blocks to .rules: exit %d\n%s%s%s", code, out, errs, data)
	}
	code, out, errs = runCLI(t, "", "convert", blocks)
	if code != exitOK || !strings.Contains(out, "\n\nblocks:\n") || !strings.Contains(out, `    data: {threshold: "100.00"}`) {
		t.Errorf("convert blocks back to YAML: exit %d\n%s%s", code, out, errs)
	}
	for _, tc := range []struct{ args, want string }{
		{"testdata/dslcmd/mixed/both.rules", "audiences and cart rules, placements or blocks cannot share a YAML file"},
		{demoDir + "/ruled.yaml", "ruled.yaml holds no rules or audiences"},
		{"testdata/dslcmd/badsyntax/promos.rules", `unexpected "{"`},
		{"main.go", "not a .rules or YAML file"},
	} {
		code, out, errs := runCLI(t, "", "convert", tc.args)
		if code != exitWrong || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("convert %s: exit %d, stdout %q\n%s", tc.args, code, out, errs)
		}
	}
	code, _, errs = runCLI(t, "", "convert", "-o", filepath.Join(dir, "vip.yaml"), "testdata/dslcmd/badcond/audiences.rules")
	if code != exitWrong || !strings.Contains(errs, "audiences are read from files named audiences.yaml") {
		t.Errorf("convert audiences to vip.yaml: exit %d\n%s", code, errs)
	}
}

// TestConvertOverwrite: convert -o never replaces a file silently, and says
// when the conversion leaves the same rules twice in one directory.
func TestConvertOverwrite(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "targeted.yaml")
	data, err := os.ReadFile(demoDir + "/rules/targeted.yaml")
	mustDo(t, err)
	mustDo(t, os.WriteFile(src, data, 0o644))
	other := filepath.Join(dir, "other.rules")
	mustDo(t, os.WriteFile(other, []byte("# someone's rules\n"), 0o644))

	code, out, errs := runCLI(t, "", "convert", "-o", other, src)
	if want := "ruled convert: " + other + " exists: pass --force to overwrite it\n"; code != exitWrong || out != "" || errs != want {
		t.Errorf("convert -o EXISTING: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, want)
	}
	if b, _ := os.ReadFile(other); string(b) != "# someone's rules\n" {
		t.Errorf("the existing file was changed:\n%s", b)
	}

	code, _, errs = runCLI(t, "", "convert", "--force", "-o", other, src)
	want := "ruled convert: " + src + " and " + other + " now hold the same rules in one directory, which loads them twice: remove " + src + "\n"
	if code != exitOK || errs != want {
		t.Errorf("convert --force -o EXISTING: exit %d, stderr %q; want %q", code, errs, want)
	}
	if b, _ := os.ReadFile(other); !strings.Contains(string(b), "rule vip-15-everything") {
		t.Errorf("--force did not overwrite:\n%s", b)
	}

	elsewhere := filepath.Join(t.TempDir(), "targeted.rules")
	if code, _, errs := runCLI(t, "", "convert", "-o", elsewhere, src); code != exitOK || errs != "" {
		t.Errorf("convert -o into another directory: exit %d, stderr %q", code, errs)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("%d files in the directory, want the 2 written (no temporary file left)", len(ents))
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
