package loader

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// maxFileSize bounds every file read. Rule files are written by hand; a
// bigger one is a mistake (or hostile) and would only make loading slow.
const maxFileSize = 1 << 20

// Load reads a rules directory into a rule set. It collects every problem it
// finds (never stops at the first) and always returns a non-nil Set with
// everything that could be read. Positions name files as dir joined with
// their path inside it.
func Load(dir string) (*rules.Set, diag.List) {
	if dir == "" {
		dir = "."
	}
	return LoadFS(os.DirFS(dir), filepath.ToSlash(dir))
}

// LoadFS is Load for the rules directory at the root of fsys. name is how
// the root is shown in positions (e.g. "testdata/demo"): a file at rel in
// fsys is path.Join(name, rel) in positions, in the Set's Sources and in
// diagnostics.
//
// After reading, LoadFS appends the diagnostics of rules.Validate, attaches
// source lines to every diagnostic and sorts them.
func LoadFS(fsys fs.FS, name string) (*rules.Set, diag.List) {
	l := &loader{
		fsys:   fsys,
		name:   name,
		unread: map[diag.Pos]bool{},
		set: &rules.Set{
			Config:  rules.Config{Fields: map[string]diag.Pos{}},
			Sources: diag.Sources{},
		},
	}
	l.walk()
	slices.Sort(l.set.Files)
	// Where a value could not be read, the set holds a default in its place;
	// what Validate says about that default ("amount is 0" under "amount is
	// the string "ten"") is noise.
	checked := slices.DeleteFunc(rules.Validate(l.set), func(d diag.Diagnostic) bool { return l.unread[d.Pos] })
	l.diags = append(l.diags, checked...)
	l.set.Sources.Attach(l.diags)
	l.diags.Sort()
	return l.set, l.diags
}

// loader is the state of one LoadFS call.
type loader struct {
	fsys  fs.FS
	name  string
	set   *rules.Set
	diags diag.List
	// unread holds the positions of values reported as unreadable (wrong
	// type, not a number, not a date).
	unread map[diag.Pos]bool
}

// kind is what a file in a rules directory holds.
type kind int

const (
	skipped         kind = iota // not ruled's, or not read by Load
	configFile                  // ruled.yaml at the root
	misplacedConfig             // ruled.yaml below the root
	audienceFile                // audiences.yaml, in any directory
	ruleFile                    // any other YAML file
	rulesFile                   // a .rules file (rulesfile.go)
)

// classify says what the file at p (slash-separated, relative to the root)
// holds. Test-case files (x.test.yaml) belong to the test runner, not to the
// rule set; golden files (x.golden.json) are not YAML.
func classify(p string) kind {
	base := path.Base(p)
	ext := path.Ext(base)
	if strings.EqualFold(ext, ".rules") {
		return rulesFile
	}
	if e := strings.ToLower(ext); e != ".yaml" && e != ".yml" {
		return skipped
	}
	switch stem := strings.TrimSuffix(base, ext); {
	case strings.HasSuffix(stem, ".test"):
		return skipped
	case stem == "ruled" && path.Dir(p) == ".":
		return configFile
	case stem == "ruled":
		return misplacedConfig
	case stem == "audiences":
		return audienceFile
	}
	return ruleFile
}

// ignored reports whether a file or directory named base is not part of the
// project at all: hidden (".git", and the "..data" and "..2026_01_01_..."
// directories of a Kubernetes ConfigMap mount, whose files are also linked
// from the top), or an editor's backup, swap or lock file.
func ignored(base string) bool {
	return strings.HasPrefix(base, ".") ||
		strings.HasSuffix(base, "~") ||
		strings.HasSuffix(base, ".swp") ||
		(strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#")) ||
		base == "4913" // vim's probe for a writable directory
}

// walk reads every project file under the root, in lexical order.
func (l *loader) walk() {
	fs.WalkDir(l.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			l.readError(p, err)
			if p == "." {
				return fs.SkipAll
			}
			return nil
		case p == ".":
			if !d.IsDir() {
				l.diags.Add(diag.Pos{File: l.name}, "read-error", "cannot read rules directory: not a directory")
			}
			return nil
		case ignored(d.Name()):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		}
		k := classify(p)
		if d.Type()&fs.ModeSymlink != 0 {
			// ConfigMap mounts link every file; follow links to files, but
			// not to directories, which could loop.
			info, err := fs.Stat(l.fsys, p)
			switch {
			case err != nil:
				if k != skipped {
					l.readError(p, err)
				}
				return nil
			case info.IsDir():
				l.diags.Warn(diag.Pos{File: l.file(p)}, "symlinked-dir",
					"directory is a symbolic link and is not read: ruled follows links to files only")
				return nil
			case !info.Mode().IsRegular():
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		l.read(p, k)
		return nil
	})
}

// file is how the file at p is named in positions.
func (l *loader) file(p string) string { return path.Join(l.name, p) }

func (l *loader) readError(p string, err error) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	what := "cannot read"
	if p == "." {
		what = "cannot read rules directory"
	}
	l.diags.Add(diag.Pos{File: l.file(p)}, "read-error", "%s: %v", what, err)
}

// errTooLarge is returned by readFile for files over maxFileSize.
var errTooLarge = errors.New("file too large")

// read reads and decodes the file at p.
func (l *loader) read(p string, k kind) {
	switch k {
	case skipped:
		return
	case misplacedConfig:
		l.diags.Warn(diag.Pos{File: l.file(p)}, "misplaced-config",
			"ruled.yaml is only read at the root of the rules directory: this one is ignored")
		return
	}
	data, err := readFile(l.fsys, p)
	switch {
	case errors.Is(err, errTooLarge):
		l.diags.Add(diag.Pos{File: l.file(p)}, "file-too-large", "file is larger than 1 MiB: split it into several files")
		return
	case err != nil:
		l.readError(p, err)
		return
	case k == rulesFile:
		l.readRules(p, data)
		return
	}
	src := newSource(l.file(p), data)
	l.set.Files = append(l.set.Files, p)
	l.set.Sources[src.name] = src.text()
	if off, code, msg := checkText(data); off >= 0 {
		l.diags.Add(src.pos(off), code, "%s", msg)
		return
	}
	r := &reader{src: src, diags: &l.diags, unread: l.unread}
	r.guard(func() {
		for _, doc := range r.documents() {
			switch k {
			case configFile:
				r.config(doc, &l.set.Config)
			case audienceFile:
				l.set.Audiences = append(l.set.Audiences, r.audienceFile(doc)...)
			case ruleFile:
				cart, places, blocks := r.ruleFile(doc)
				l.contents(p, blocks)
				l.set.CartRules = append(l.set.CartRules, cart...)
				l.set.Placements = append(l.set.Placements, places...)
				l.set.Blocks = append(l.set.Blocks, blocks...)
			}
		}
	})
}

// readFile reads at most maxFileSize bytes of the file at p; it does not
// trust the size Stat reports.
func readFile(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > maxFileSize {
		return nil, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}
