package loader

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// exactDecimal compares amounts as written: an incremental load must give
// exactly what a full one gives, not merely equal numbers.
var exactDecimal = cmp.Comparer(func(a, b money.Decimal) bool { return a.String() == b.String() })

// sameLoad fails the test unless the incremental load (set, diags) is what
// a full load of fsys gives: the whole Set, positions, sources and
// diagnostics (source lines included).
func sameLoad(t *testing.T, fsys fs.FS, set *rules.Set, diags diag.List) {
	t.Helper()
	wantSet, wantDiags := LoadFS(fsys, "p")
	if diff := cmp.Diff(wantSet, set, exactDecimal); diff != "" {
		t.Errorf("Set differs from a full load (-full +incremental):\n%s", diff)
	}
	if diff := cmp.Diff(wantDiags, diags); diff != "" {
		t.Errorf("diagnostics differ from a full load (-full +incremental):\n%s", diff)
	}
}

// demoFS reads the demo store into memory.
func demoFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := os.DirFS("../testdata/demo")
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// edit replaces old with new in the file at p, which must hold old.
func edit(t *testing.T, fsys fstest.MapFS, p, old, new string) {
	t.Helper()
	text := string(fsys[p].Data)
	if !strings.Contains(text, old) {
		t.Fatalf("%s does not hold %q", p, old)
	}
	fsys[p] = &fstest.MapFile{Data: []byte(strings.Replace(text, old, new, 1))}
}

// TestCacheIncremental edits the demo store step by step (changes, broken
// and fixed files, files added, renamed and removed, content files, the
// configuration and the audiences) and checks after each step that the
// Cache parsed only what changed and gave exactly what a full load gives.
func TestCacheIncremental(t *testing.T) {
	fsys := demoFS(t)
	var c Cache
	type kept struct {
		set   *rules.Set
		diags diag.List
		fsys  fstest.MapFS
	}
	var history []kept
	steps := []struct {
		name   string
		do     func()
		parsed int // rule files parsed afresh
		same   bool
	}{
		{"first load", func() {}, 10, false},
		{"nothing changed", func() {}, 0, true},
		{"a file written again with the same bytes", func() {
			fsys["rules/coupons.yaml"] = &fstest.MapFile{Data: fsys["rules/coupons.yaml"].Data}
		}, 0, true},
		{"a test case changed", func() {
			edit(t, fsys, "tests/coupons.test.yaml", "cases:", "# edited\ncases:")
		}, 0, false},
		{"one rule changed", func() { edit(t, fsys, "rules/coupons.yaml", "priority: 50", "priority: 51") }, 1, false},
		{"a YAML syntax error", func() { edit(t, fsys, "rules/targeted.yaml", "cart_rules:", "cart_rules: [") }, 1, false},
		{"an unknown key", func() { edit(t, fsys, "rules/targeted.yaml", "cart_rules: [", "cart_rules:\n  - priorty: 1") }, 1, false},
		{"fixed", func() { edit(t, fsys, "rules/targeted.yaml", "cart_rules:\n  - priorty: 1", "cart_rules:") }, 1, false},
		{"a .rules file changed", func() { edit(t, fsys, "rules/multibuy.rules", "rule ", "# edited\nrule ") }, 1, false},
		{"a file added that repeats an id of an unchanged file", func() {
			fsys["rules/again.yaml"] = &fstest.MapFile{Data: []byte("cart_rules:\n  - id: welcome10\n    name: Again\n    action: {type: by_percent, amount: 5}\n")}
		}, 1, false},
		{"that file renamed before the one it repeats", func() {
			fsys["rules/aa-again.yaml"] = fsys["rules/again.yaml"]
			delete(fsys, "rules/again.yaml")
		}, 1, false},
		{"that file removed", func() { delete(fsys, "rules/aa-again.yaml") }, 0, false},
		{"a content file changed", func() {
			edit(t, fsys, "blocks/content/holiday-hero.html", "<", "<!-- edited -->\n<")
		}, 0, false},
		{"a content file removed", func() { delete(fsys, "blocks/content/holiday-hero.html") }, 0, false},
		{"the time zone changed", func() { edit(t, fsys, "ruled.yaml", "America/New_York", "Europe/Paris") }, 1, false},
		{"an audience renamed", func() { edit(t, fsys, "audiences.yaml", "name: VIP Shoppers", "name: VIP Club") }, 1, false},
		{"a file that is not UTF-8", func() {
			fsys["rules/latin1.yaml"] = &fstest.MapFile{Data: []byte("cart_rules: # caf\xe9\n")}
		}, 1, false},
		{"a file too large", func() {
			fsys["rules/latin1.yaml"] = &fstest.MapFile{Data: []byte("# " + strings.Repeat("x", maxFileSize) + "\n")}
		}, 0, false},
		{"a misplaced ruled.yaml", func() {
			delete(fsys, "rules/latin1.yaml")
			fsys["rules/ruled.yaml"] = &fstest.MapFile{Data: []byte("currency: EUR\n")}
		}, 0, false},
		{"a subdirectory emptied", func() {
			for p := range fsys {
				if strings.HasPrefix(p, "rules/seasonal/") {
					delete(fsys, p)
				}
			}
		}, 0, false},
	}
	version := ""
	for _, s := range steps {
		s.do()
		set, diags, st := c.LoadFS(fsys, "p")
		t.Run(s.name, func(t *testing.T) {
			sameLoad(t, fsys, set, diags)
			if st.Parsed != s.parsed {
				t.Errorf("parsed %d files, want %d (reused %d)", st.Parsed, s.parsed, st.Reused)
			}
			if s.same && set != history[len(history)-1].set {
				t.Error("same content, yet a new Set: want the last one again")
			}
			if (st.Version == version) != s.same {
				t.Errorf("version %s after %s; same as before: %v, want %v", st.Version, version, st.Version == version, s.same)
			}
			if len(st.Version) != 16 {
				t.Errorf("version %q, want 16 hex digits", st.Version)
			}
		})
		version = st.Version
		history = append(history, kept{set, diags, maps.Clone(fsys)})
	}
	// A Set once returned is never touched by later loads: the rule set in
	// service may still be using it.
	for i, h := range history {
		t.Run("unchanged later/"+steps[i].name, func(t *testing.T) { sameLoad(t, h.fsys, h.set, h.diags) })
	}
}

// TestCacheAcrossBrokenProjects loads every broken project of the error
// tests, one after the other, through one Cache: from one to the next,
// files appear, change and disappear. Each load must equal a full one,
// diagnostics included.
func TestCacheAcrossBrokenProjects(t *testing.T) {
	var c Cache
	for _, tt := range brokenTests {
		set, diags, _ := c.LoadFS(tt.fsys, "p")
		t.Run(tt.name, func(t *testing.T) { sameLoad(t, tt.fsys, set, diags) })
	}
	// And back, in reverse, with every file parsed before.
	for i := len(brokenTests) - 1; i >= 0; i-- {
		tt := brokenTests[i]
		set, diags, _ := c.LoadFS(tt.fsys, "p")
		t.Run("back/"+tt.name, func(t *testing.T) { sameLoad(t, tt.fsys, set, diags) })
	}
}

// TestCacheParallel parses several files at once: the result does not
// depend on the order the files were parsed in.
func TestCacheParallel(t *testing.T) {
	fsys := demoFS(t)
	c := Cache{Parallel: 4}
	set, diags, st := c.LoadFS(fsys, "p")
	if st.Parsed != 10 {
		t.Errorf("parsed %d files, want 10", st.Parsed)
	}
	sameLoad(t, fsys, set, diags)
}

// TestCacheLoadDir loads a real directory: the version is the directory's
// Hash, and a directory that cannot be read is an error as well as a
// diagnostic.
func TestCacheLoadDir(t *testing.T) {
	var c Cache
	set, diags, st, err := c.Load("../testdata/demo")
	if err != nil || diags.HasErrors() || len(set.CartRules) == 0 {
		t.Fatalf("Load of the demo: %v, %v", err, diags)
	}
	if h := mustHash(t, "../testdata/demo"); st.Version != h {
		t.Errorf("version %s, Hash %s", st.Version, h)
	}
	if st.Files < st.Parsed || st.Parsed == 0 || st.Read <= 0 {
		t.Errorf("stats %+v", st)
	}

	// A directory gone for a while: an error, and the files parsed before
	// are still there for when it is back.
	dir := filepath.Join(t.TempDir(), "rules")
	if err := os.CopyFS(dir, os.DirFS("../testdata/demo")); err != nil {
		t.Fatal(err)
	}
	if _, _, st, err = c.Load(dir); err != nil || st.Parsed != 10 {
		t.Fatalf("Load of a copy of the demo: %v, parsed %d", err, st.Parsed)
	}
	must(t, os.Rename(dir, dir+".old"))
	_, diags, st, err = c.Load(dir)
	if err == nil || st.Version != "" || len(diags) != 1 || diags[0].Code != "read-error" {
		t.Errorf("Load of a missing directory: %v, %q, %v", err, st.Version, diags)
	}
	must(t, os.Rename(dir+".old", dir))
	if _, _, st, err = c.Load(dir); err != nil || st.Parsed != 0 {
		t.Errorf("directory back: %v, parsed %d files again", err, st.Parsed)
	}
}

// TestCacheHiddenContentFile reads a block's content file from a hidden
// directory, which the version does not cover: an unchanged version must
// not stop the cache from reading it again.
func TestCacheHiddenContentFile(t *testing.T) {
	fsys := fstest.MapFS{
		"blocks.yaml":     {Data: []byte("placements: [{id: home, name: Home}]\nblocks:\n  - {id: b, name: B, placement: home, content_file: .private/b.html}\n")},
		".private/b.html": {Data: []byte("<p>one</p>")},
	}
	var c Cache
	c.LoadFS(fsys, "p")
	fsys[".private/b.html"] = &fstest.MapFile{Data: []byte("<p>two</p>")}
	set, diags, _ := c.LoadFS(fsys, "p")
	sameLoad(t, fsys, set, diags)
	if len(set.Blocks) != 1 || set.Blocks[0].Content != "<p>two</p>" {
		t.Errorf("blocks %+v, want the content read again", set.Blocks)
	}
}

// FuzzCache loads a project whose rule file holds a, then b, through one
// Cache, and checks the second load against a full load of b.
func FuzzCache(f *testing.F) {
	var seeds [][]byte
	for _, tt := range brokenTests {
		for _, file := range tt.fsys {
			if len(file.Data) <= 4<<10 {
				seeds = append(seeds, file.Data)
			}
		}
	}
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		project := func(data []byte) fstest.MapFS {
			return fstest.MapFS{
				"ruled.yaml":     {Data: []byte("currency: EUR\n")},
				"audiences.yaml": {Data: []byte("audiences:\n  - id: a1\n    name: VIP\n")},
				"promos/f.yaml":  {Data: data},
				"promos/g.yaml":  {Data: []byte(head)},
			}
		}
		var c Cache
		c.LoadFS(project(a), "p")
		set, diags, _ := c.LoadFS(project(b), "p")
		sameLoad(t, project(b), set, diags)
	})
}

// TestCacheUnchangedFilesUnread: a rule file the system says is the one
// read before is not read again, and anything that changes its content
// (written in place with its times set back, replaced by a rename,
// rewritten within the racy window) is.
func TestCacheUnchangedFilesUnread(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("file identities are trusted on Linux only")
	}
	dir := filepath.Join(t.TempDir(), "rules")
	must(t, os.CopyFS(dir, os.DirFS("../testdata/demo")))
	fsys := os.DirFS(dir)
	c := Cache{racy: time.Millisecond}
	load := func() (*rules.Set, diag.List, Stats) {
		t.Helper()
		time.Sleep(5 * time.Millisecond) // past the racy window
		set, diags, st := c.LoadFS(fsys, "p")
		if h := mustHash(t, dir); st.Version != h {
			t.Errorf("version %s, Hash %s", st.Version, h)
		}
		sameLoad(t, fsys, set, diags)
		return set, diags, st
	}
	if _, _, st := load(); st.Unread != 0 || st.Parsed != 10 {
		t.Fatalf("first load: %+v", st)
	}
	if _, _, st := load(); st.Unread != 10 || st.Parsed != 0 {
		t.Fatalf("unchanged: %+v, want 10 files unread", st)
	}

	name := filepath.Join(dir, "rules", "coupons.yaml")
	orig, err := os.ReadFile(name)
	must(t, err)
	info, err := os.Stat(name)
	must(t, err)
	same := func(from, to string) []byte {
		b := []byte(strings.Replace(string(orig), from, to, 1))
		if len(b) != len(orig) || string(b) == string(orig) {
			t.Fatalf("edit %q → %q", from, to)
		}
		return b
	}
	check := func(what string) {
		t.Helper()
		set, _, st := load()
		if st.Parsed != 1 || st.Unread != 9 {
			t.Errorf("%s: %+v, want coupons.yaml read and parsed again", what, st)
		}
		if got := set.CartRules[0].Name; !strings.HasPrefix(got, "Welcome offer") {
			t.Errorf("%s: first rule %q", what, got)
		}
	}

	// Written in place, same size, the modification time set back.
	must(t, os.WriteFile(name, same("Welcome offer - 10%", "Welcome offer - 11%"), 0o644))
	must(t, os.Chtimes(name, info.ModTime(), info.ModTime()))
	check("rewritten in place")

	// Replaced by a rename of a file of the same size and times.
	tmp := filepath.Join(dir, "rules", ".coupons.tmp")
	must(t, os.WriteFile(tmp, same("Welcome offer - 10%", "Welcome offer - 12%"), 0o644))
	must(t, os.Chtimes(tmp, info.ModTime(), info.ModTime()))
	must(t, os.Rename(tmp, name))
	check("replaced")

	// Within the racy window, times are not trusted at all.
	c.racy = time.Hour
	if _, _, st := load(); st.Unread != 0 {
		t.Errorf("racy: %+v, want every file read", st)
	}
}
