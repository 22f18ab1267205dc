package loader

import (
	"cmp"
	"crypto/sha256"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// Cache loads one rules directory again and again, as a server reloads it:
// every load reads every file once (that is how it knows what changed, and
// the Version it reports is of exactly the bytes it used), parses only the
// files whose path or content changed since the last load, and assembles
// the Set from what each file gave. The Set and diagnostics are exactly
// what Load returns for the same files; only the work differs.
//
// On Linux, a rule file the last load read and parsed is not read again
// while the system says it is the same file, unchanged: same size, device
// and inode, same modification and change times, and those times at least
// racyWindow older than that read (a rewrite within the same tick of the
// file system's clock is not told by its times). Its bytes are then the
// ones hashed and parsed before. Any write, rename onto it, or chmod
// changes its change time, which nothing can set back.
//
// What a Cache keeps between loads is, per rule file, the content's SHA-256
// and what parsing it gave (the rules with their positions, the file's
// lines, its diagnostics), never the file's bytes or its YAML tree. The
// rules it keeps are those of the last Set it returned, shared with it, so
// a Cache costs little beyond that Set; callers must treat returned Sets as
// read-only (as the engine does).
//
// The zero value is ready to use. A Cache serves one directory: loading
// another one (a different name) starts afresh. Its methods may be called
// from several goroutines; loads run one at a time.
type Cache struct {
	// Parallel bounds how many files are parsed at once; 0 means half of
	// GOMAXPROCS, at least 1, so that a reload leaves processors to the
	// requests being served.
	Parallel int

	mu    sync.Mutex
	name  string             // the root's name in positions
	files map[string]*parsed // by path in the tree
	seen  map[string]seen    // rule files read and parsed, by path: see Cache
	racy  time.Duration      // racyWindow, but for tests
	// The last load: its version, Set and diagnostics. A load that finds
	// the same version returns them again, unless a content file came from
	// outside what the version covers (a hidden directory).
	version string
	set     *rules.Set
	diags   diag.List
	outside bool
}

// Stats says what one load did and how long each stage took.
type Stats struct {
	// Version is the tree's Hash, computed from the bytes this load read;
	// "" when the root could not be read.
	Version string
	// Files counts the files read (every file Hash counts); Parsed the rule
	// files parsed afresh; Reused those taken from the cache unchanged, of
	// which Unread were not read again (see Cache).
	Files, Parsed, Reused, Unread int
	// Read is the time to walk the tree and read and hash every file;
	// Parse to parse the changed rule files; Validate to assemble the Set,
	// read content files and run rules.Validate.
	Read, Parse, Validate time.Duration
}

// Load is the package-level Load, reusing what this Cache parsed before.
// The error is for a rules directory that cannot be read at all (missing,
// not a directory); the diagnostics say so too.
func (c *Cache) Load(dir string) (*rules.Set, diag.List, Stats, error) {
	if dir == "" {
		dir = "."
	}
	if _, err := os.Stat(dir); err != nil {
		set, diags, st, _ := c.load(os.DirFS(dir), filepath.ToSlash(dir))
		return set, diags, st, err
	}
	return c.load(os.DirFS(dir), filepath.ToSlash(dir))
}

// LoadFS is the package-level LoadFS, reusing what this Cache parsed
// before.
func (c *Cache) LoadFS(fsys fs.FS, name string) (*rules.Set, diag.List, Stats) {
	set, diags, st, _ := c.load(fsys, name)
	return set, diags, st
}

// parsed is what one rule file gives a Set, before the content files its
// blocks name are read. cartRules, audiences and placements alias the
// arrays of the last Set assembled from them.
type parsed struct {
	sum        [sha256.Size]byte // of the bytes parsed
	lines      []string          // for Set.Sources
	config     *rules.Config     // of ruled.yaml; nil for other files
	audiences  []rules.Audience
	cartRules  []rules.CartRule
	placements []rules.Placement
	blocks     []rules.Block // the cache's own: content files are read into copies
	diags      diag.List     // without source lines
	unread     []diag.Pos    // see reader.unread
}

// item is one file of a load, in walk order: diagnostics about the file
// itself (unreadable, too large, ignored), and what it gave when it is a
// rule file that was read.
type item struct {
	path  string
	diags diag.List
	file  *parsed
}

func (it *item) misplaced(file string) {
	it.diags.Warn(diag.Pos{File: file}, "misplaced-config",
		"ruled.yaml is only read at the root of the rules directory: this one is ignored")
}

// job is a rule file to parse.
type job struct {
	item *item
	kind kind
	data []byte
	sum  [sha256.Size]byte
}

func (c *Cache) load(fsys fs.FS, name string) (*rules.Set, diag.List, Stats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.name != name || c.files == nil {
		c.name, c.files, c.seen = name, map[string]*parsed{}, nil
		c.version, c.set, c.diags, c.outside = "", nil, nil, false
	}
	var st Stats
	start := time.Now()
	file := func(p string) string { return path.Join(name, p) }
	var (
		items []*item
		jobs  []job
		data  = map[string][]byte{} // every file's bytes, for content files
	)
	seenNow := make(map[string]seen, len(c.seen))
	reuse := func(p string, info fs.FileInfo) *scanned {
		s, ok := c.seen[p]
		if !ok || c.files[p] == nil || c.files[p].sum != s.sum {
			return nil
		}
		if id, ok := identify(info); !ok || !s.unchanged(id, cmp.Or(c.racy, racyWindow)) {
			return nil
		}
		seenNow[p] = s
		st.Unread++
		return &scanned{path: p, tag: 'c', sum: s.sum, info: info}
	}
	version, rootErr := scan(fsys, reuse, func(f *scanned) {
		st.Files++
		if f.data != nil {
			data[f.path] = f.data
		}
		k := classify(f.path)
		it := &item{path: f.path}
		items = append(items, it)
		switch {
		case f.walkErr:
			it.diags.Add(diag.Pos{File: file(f.path)}, "read-error", "%s", readErrorText(f.path, f.err))
		case f.tag == 'e' && (k == skipped || (k == misplacedConfig && !f.link)):
			// Not read by Load, so not reported: a misplaced ruled.yaml is
			// ignored unread (below), unless only following its link fails.
			if k == misplacedConfig {
				it.misplaced(file(f.path))
			}
		case f.tag == 'e':
			it.diags.Add(diag.Pos{File: file(f.path)}, "read-error", "%s", readErrorText(f.path, f.err))
		case f.tag == 'l':
			if f.link && f.info.IsDir() {
				it.diags.Warn(diag.Pos{File: file(f.path)}, "symlinked-dir",
					"directory is a symbolic link and is not read: ruled follows links to files only")
			}
		case k == skipped:
		case k == misplacedConfig:
			it.misplaced(file(f.path))
		case f.tag == 's' || len(f.data) > maxFileSize:
			it.diags.Add(diag.Pos{File: file(f.path)}, "file-too-large", "file is larger than 1 MiB: split it into several files")
		default:
			if f.data != nil && !f.readAt.IsZero() {
				if id, ok := identify(f.info); ok {
					seenNow[f.path] = seen{id: id, readAt: f.readAt, sum: f.sum}
				}
			}
			if e := c.files[f.path]; e != nil && e.sum == f.sum {
				it.file = e
				st.Reused++
			} else {
				jobs = append(jobs, job{item: it, kind: k, data: f.data, sum: f.sum})
			}
		}
	})
	st.Version = version
	st.Read = time.Since(start)
	if rootErr == nil {
		c.seen = seenNow
	}
	if rootErr == nil && len(jobs) == 0 && version == c.version && c.set != nil && !c.outside {
		// Nothing changed: the Set is read-only, so the last one is this
		// one.
		return c.set, slices.Clone(c.diags), st, nil
	}

	start = time.Now()
	c.parse(jobs, file)
	st.Parsed = len(jobs)
	st.Parse = time.Since(start)

	start = time.Now()
	a := &assembly{fsys: fsys, name: name, data: data, unread: map[diag.Pos]bool{}}
	if rootErr != nil {
		a.diags.Add(diag.Pos{File: name}, "read-error", "%s", readErrorText(".", rootErr))
	} else {
		// A root that could not be read says nothing about the files: keep
		// them for when it is back. Otherwise the cache holds what this
		// load used, and no more.
		c.files = make(map[string]*parsed, len(items))
		for _, it := range items {
			if it.file != nil {
				c.files[it.path] = it.file
			}
		}
	}
	set := a.assemble(items)
	st.Validate = time.Since(start)
	if rootErr != nil {
		return set, a.diags, st, rootErr
	}
	c.version, c.set, c.diags, c.outside = version, set, a.diags, a.outside
	return set, slices.Clone(a.diags), st, nil
}

// parse parses the jobs, at most Parallel at a time, each into its item.
func (c *Cache) parse(jobs []job, file func(string) string) {
	n := c.Parallel
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	n = min(n, len(jobs))
	if n <= 1 {
		for _, j := range jobs {
			j.item.file = parseFile(file(j.item.path), j.kind, j.data, j.sum)
		}
		return
	}
	next := make(chan job)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range next {
				j.item.file = parseFile(file(j.item.path), j.kind, j.data, j.sum)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// parseFile reads one rule file, named file in positions, whose bytes are
// data.
func parseFile(file string, k kind, data []byte, sum [sha256.Size]byte) *parsed {
	if k == rulesFile {
		return parseRulesFile(file, data, sum)
	}
	e := &parsed{sum: sum}
	src := newSource(file, data)
	e.lines = src.text()
	if off, code, msg := checkText(data); off >= 0 {
		e.diags.Add(src.pos(off), code, "%s", msg)
		return e
	}
	unread := map[diag.Pos]bool{}
	r := &reader{src: src, diags: &e.diags, unread: unread}
	if k == configFile {
		e.config = &rules.Config{Fields: map[string]diag.Pos{}}
	}
	r.guard(func() {
		for _, doc := range r.documents() {
			switch k {
			case configFile:
				r.config(doc, e.config)
			case audienceFile:
				e.audiences = append(e.audiences, r.audienceFile(doc)...)
			case ruleFile:
				cart, places, blocks := r.ruleFile(doc)
				e.cartRules = append(e.cartRules, cart...)
				e.placements = append(e.placements, places...)
				e.blocks = append(e.blocks, blocks...)
			}
		}
	})
	for pos := range unread {
		e.unread = append(e.unread, pos)
	}
	return e
}

// assembly builds one Set from the items of a load.
type assembly struct {
	fsys fs.FS
	name string
	data map[string][]byte // the bytes this load read, by path
	// outside is set when a content file was read that the load's walk
	// did not read (it is not covered by the version).
	outside bool
	set     *rules.Set
	diags   diag.List
	unread  map[diag.Pos]bool // see reader.unread
}

// assemble builds the Set from the items, in walk order, then validates it
// as a whole. The rules of each parsed file are copied into the Set's
// arrays once, and the file's entry is made to share them, so that the
// cache holds no second copy.
func (a *assembly) assemble(items []*item) *rules.Set {
	set := &rules.Set{Config: rules.Config{Fields: map[string]diag.Pos{}}, Sources: diag.Sources{}}
	a.set = set
	var nAud, nCart, nPlace, nBlock int
	for _, it := range items {
		if e := it.file; e != nil {
			nAud, nCart, nPlace = nAud+len(e.audiences), nCart+len(e.cartRules), nPlace+len(e.placements)
			nBlock += len(e.blocks)
		}
	}
	if nAud > 0 {
		set.Audiences = make([]rules.Audience, 0, nAud)
	}
	if nCart > 0 {
		set.CartRules = make([]rules.CartRule, 0, nCart)
	}
	if nPlace > 0 {
		set.Placements = make([]rules.Placement, 0, nPlace)
	}
	if nBlock > 0 {
		set.Blocks = make([]rules.Block, 0, nBlock)
	}
	for _, it := range items {
		a.diags = append(a.diags, it.diags...)
		e := it.file
		if e == nil {
			continue
		}
		set.Files = append(set.Files, it.path)
		set.Sources[path.Join(a.name, it.path)] = e.lines
		if e.config != nil {
			set.Config = *e.config
		}
		a.diags = append(a.diags, e.diags...)
		for _, pos := range e.unread {
			a.unread[pos] = true
		}
		set.Audiences, e.audiences = share(set.Audiences, e.audiences)
		set.CartRules, e.cartRules = share(set.CartRules, e.cartRules)
		set.Placements, e.placements = share(set.Placements, e.placements)
		n := len(set.Blocks)
		set.Blocks = append(set.Blocks, e.blocks...)
		a.contents(it.path, set.Blocks[n:])
	}
	slices.Sort(set.Files)
	// Where a value could not be read, the set holds a default in its place;
	// what Validate says about that default ("amount is 0" under "amount is
	// the string "ten"") is noise.
	checked := slices.DeleteFunc(rules.Validate(set), func(d diag.Diagnostic) bool { return a.unread[d.Pos] })
	a.diags = append(a.diags, checked...)
	set.Sources.Attach(a.diags)
	a.diags.Sort()
	return set
}

// share appends part to all and returns part as the piece of all it now
// is. all has room for part: nothing is reallocated.
func share[T any](all, part []T) ([]T, []T) {
	if len(part) == 0 {
		return all, nil
	}
	n := len(all)
	all = append(all, part...)
	return all, all[n:len(all):len(all)]
}

// read returns the bytes of the file at p: those this load read when it
// read them, else what readFile reads (a file the walk does not count: in a
// hidden directory, say).
func (a *assembly) read(p string) ([]byte, error) {
	if data, ok := a.data[p]; ok {
		if len(data) > maxFileSize {
			return nil, errTooLarge
		}
		return data, nil
	}
	a.outside = true
	return readFile(a.fsys, p)
}
