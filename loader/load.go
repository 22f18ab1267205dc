package loader

import (
	"errors"
	"io"
	"io/fs"
	"path"
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
	set, diags, _, _ := new(Cache).Load(dir)
	return set, diags
}

// LoadFS is Load for the rules directory at the root of fsys. name is how
// the root is shown in positions (e.g. "testdata/demo"): a file at rel in
// fsys is path.Join(name, rel) in positions, in the Set's Sources and in
// diagnostics.
//
// After reading, LoadFS appends the diagnostics of rules.Validate, attaches
// source lines to every diagnostic and sorts them.
func LoadFS(fsys fs.FS, name string) (*rules.Set, diag.List) {
	set, diags, _ := new(Cache).LoadFS(fsys, name)
	return set, diags
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

// readErrorText says that the file at p (the root for ".") could not be
// read, and why, without repeating the path the position already names.
func readErrorText(p string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if p == "." {
		return "cannot read rules directory: " + err.Error()
	}
	return "cannot read: " + err.Error()
}

// errTooLarge is returned by readFile for files over maxFileSize.
var errTooLarge = errors.New("file too large")

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
