package loader

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// This file reads test-case files (x.test.yaml): carts and what their
// evaluation must give, for `ruled test`. A file holds one case (a mapping
// with name, cart, ...) or a mapping with `cases:`, a list of them. The
// loader checks their structure and turns each cart into the cart JSON
// contract; what needs the rules (rule ids, decoding the cart) is the
// runner's, with the positions recorded here.

// The keys of test files: each is one name here and one case in its
// decoder.
var (
	testFileKeys   = []string{"cases"}
	testCaseKeys   = []string{"name", "now", "segments", "membership", "cart", "placements", "visitor_id", "view", "expect"}
	expectKeys     = []string{"applied_rules", "not_applied", "totals", "items", "free_shipping", "coupon", "blocks"}
	totalsKeys     = []string{"subtotal", "discount", "shipping", "shipping_discount", "grand_total"}
	itemExpectKeys = []string{"discount"}
	couponKeys     = []string{"applied"}
)

// TestSuite is the test-case files LoadTests read, in order of their names.
type TestSuite struct {
	Files []*TestFile
	// Sources holds the lines of every file read, for diagnostics the
	// runner adds.
	Sources diag.Sources
}

// TestFile is one test-case file.
type TestFile struct {
	// Name is the file's path as shown in positions (slash-separated).
	Name string
	// Golden is the path of its golden file (slash-separated): the name
	// without ".test.yaml" (or ".yaml", ".yml") plus ".golden.json", so
	// that checkout.test.yaml has checkout.golden.json beside it.
	Golden string
	Cases  []*TestCase
}

// TestCase is one cart and what its evaluation must give.
type TestCase struct {
	Name string
	Pos  diag.Pos // of the case's mapping
	// Now, when not zero, is the evaluation instant; it overrides the
	// cart's.
	Now time.Time
	// Segments (ids as written) or Membership (a raw aep-segments-membership
	// value, to be decoded as the server does) add to the cart's segments.
	// A case has at most one of them; Fields says which was written.
	Segments   []string
	Membership string
	// Cart is the case's cart in the cart JSON contract. Numbers keep the
	// text written in the file. It is nil when the case writes none, which
	// only a case with placements may do: its blocks are chosen for an
	// empty cart, as a storefront's home page asks before there is one.
	Cart []byte
	// Placements are the ids of the placements whose dynamic blocks the
	// case chooses; VisitorID and View are the storefront's visitor id and
	// view counter for their rotations.
	Placements []Ref
	VisitorID  string
	View       int
	Expect     Expect
	// Fields holds the position of the value of every key written with a
	// value: "name", "now", "segments", "membership", "cart", "placements",
	// "visitor_id", "view", "expect", and "expect.<key>" for the keys of
	// expect.
	Fields map[string]diag.Pos
	// Positions in the cart by JSON path ("items[2].qty"), as the cart
	// decoder names fields: of each value, and of each mapping key.
	cartValues, cartKeys map[string]diag.Pos
}

// Expect is what a case's evaluation must give. Everything is optional; a
// part not written is not checked.
type Expect struct {
	// AppliedRules are the ids of the rules that must apply, in order, and
	// no others, when HasAppliedRules (an empty list: no rule applies).
	AppliedRules    []Ref
	HasAppliedRules bool
	// NotApplied are ids of rules that must not apply.
	NotApplied []Ref
	// Totals are expected totals in the order written; Field is the key
	// under totals ("grand_total").
	Totals []Amount
	// Items are expectations on the lines with a SKU, in the order written.
	Items []ItemExpect
	// FreeShipping and CouponApplied are nil when not checked.
	FreeShipping  *bool
	CouponApplied *bool
	// Blocks are the blocks placements must show, in the order written.
	Blocks []BlockExpect
}

// BlockExpect is the blocks one placement must show: exactly these ids, in
// this order (none for an empty list). Pos is the placement's key.
type BlockExpect struct {
	Placement string
	Pos       diag.Pos
	IDs       []Ref
}

// Ref is a name written in a test file (a rule id, a segment id) and where.
type Ref struct {
	ID  string
	Pos diag.Pos
}

// Amount is an expected money amount: its value, the text as written (for
// messages) and where.
type Amount struct {
	Field string
	Value money.Decimal
	Text  string
	Pos   diag.Pos
}

// ItemExpect is what the cart lines with a SKU must get. Pos is the SKU key.
type ItemExpect struct {
	SKU      string
	Pos      diag.Pos
	Discount *Amount
}

// CartPos returns the position in the file of the cart field at JSON path
// field (an engine.InputError's Field). With key, it is the position of the
// field's key (for an unknown field) when there is one. A path the file
// does not write (a missing required field) gives the position of the
// closest enclosing value; "" gives the cart's.
func (c *TestCase) CartPos(field string, key bool) diag.Pos {
	if p, ok := c.cartKeys[field]; ok && key {
		return p
	}
	for {
		if p, ok := c.cartValues[field]; ok {
			return p
		}
		if field == "" {
			return c.Fields["cart"]
		}
		// Cutting inside a quoted name (items[0].attributes["a.b"]) gives
		// a path not recorded; cutting again gets out of it.
		field = field[:max(strings.LastIndexAny(field, ".["), 0)]
	}
}

// isTestFile reports whether the file at p (a path or a name) is a test-case
// file: x.test.yaml or x.test.yml, which Load skips.
func isTestFile(p string) bool {
	base := path.Base(filepath.ToSlash(p))
	ext := path.Ext(base)
	e := strings.ToLower(ext)
	return (e == ".yaml" || e == ".yml") && strings.HasSuffix(strings.TrimSuffix(base, ext), ".test")
}

// goldenName returns the golden file of the test file name.
func goldenName(name string) string {
	stem := strings.TrimSuffix(name, path.Ext(name))
	return strings.TrimSuffix(stem, ".test") + ".golden.json"
}

// LoadTests reads test-case files: each path is a file (read whatever its
// name) or a folder, searched at any depth for *.test.yaml files, skipping
// what Load skips (hidden files and folders, editor backups). Every problem
// is a diagnostic; files are read in order of their names, each once.
// LoadTests keeps no state and may run concurrently.
func LoadTests(paths ...string) (*TestSuite, diag.List) {
	type found struct {
		name string
		fsys fs.FS
		rel  string
	}
	var files []found
	var diags diag.List
	for _, p := range paths {
		name := filepath.ToSlash(filepath.Clean(p))
		info, err := os.Stat(p)
		switch {
		case err != nil:
			diags.Add(diag.Pos{File: name}, "read-error", "cannot read: %v", unwrapPath(err))
		case !info.IsDir():
			files = append(files, found{name, os.DirFS(filepath.Dir(p)), filepath.Base(p)})
		default:
			fsys := os.DirFS(p)
			fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
				switch {
				case err != nil:
					diags.Add(diag.Pos{File: path.Join(name, rel)}, "read-error", "cannot read: %v", unwrapPath(err))
				case rel != "." && ignored(d.Name()) && d.IsDir():
					return fs.SkipDir
				case d.IsDir() || ignored(d.Name()) || !isTestFile(rel):
				case d.Type()&fs.ModeSymlink != 0 || d.Type().IsRegular():
					// Links to files are followed, as Load follows them;
					// readFile reports a link to anything else.
					files = append(files, found{path.Join(name, rel), fsys, rel})
				}
				return nil
			})
		}
	}
	slices.SortFunc(files, func(a, b found) int { return strings.Compare(a.name, b.name) })
	files = slices.CompactFunc(files, func(a, b found) bool { return a.name == b.name })

	suite := &TestSuite{Sources: diag.Sources{}}
	goldens := map[string]string{}
	for _, f := range files {
		data, err := readFile(f.fsys, f.rel)
		switch {
		case errors.Is(err, errTooLarge):
			diags.Add(diag.Pos{File: f.name}, "file-too-large", "file is larger than 1 MiB: split it into several files")
			continue
		case err != nil:
			diags.Add(diag.Pos{File: f.name}, "read-error", "cannot read: %v", unwrapPath(err))
			continue
		}
		tf, src, more := parseTests(f.name, data)
		suite.Files = append(suite.Files, tf)
		suite.Sources[f.name] = src.text()
		diags = append(diags, more...)
		if other, ok := goldens[tf.Golden]; ok {
			diags.Add(diag.Pos{File: f.name}, "golden-conflict",
				"test files %s and %s would share the golden file %s: rename one", other, f.name, tf.Golden)
		}
		goldens[tf.Golden] = f.name
	}
	suite.Sources.Attach(diags)
	diags.Sort()
	return suite, diags
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseTests reads one test-case file from its bytes; name is how positions
// name it. It always returns a TestFile with the cases it could read, and
// reports every problem found, with source lines attached, sorted.
func ParseTests(name string, data []byte) (*TestFile, diag.List) {
	tf, src, diags := parseTests(name, data)
	diag.Sources{name: src.text()}.Attach(diags)
	diags.Sort()
	return tf, diags
}

func parseTests(name string, data []byte) (*TestFile, *source, diag.List) {
	tf := &TestFile{Name: name, Golden: goldenName(name)}
	src := newSource(name, data)
	var diags diag.List
	if off, code, msg := checkText(data); off >= 0 {
		diags.Add(src.pos(off), code, "%s", msg)
		return tf, src, diags
	}
	t := &testReader{
		reader: &reader{src: src, diags: &diags, unread: map[diag.Pos]bool{}},
		file:   tf,
		names:  map[string]diag.Pos{},
		active: map[*yaml.Node]bool{},
	}
	t.guard(func() {
		for _, doc := range t.documents() {
			t.document(doc)
		}
	})
	if len(tf.Cases) == 0 && !diags.HasErrors() {
		diags.Add(diag.Pos{File: name, Line: 1, Col: 1}, "no-cases",
			"test file holds no test case: write one case (name, now, cart, expect) or cases: a list of them")
	}
	return tf, src, diags
}

// testReader reads the documents of one test file.
type testReader struct {
	*reader
	file   *TestFile
	names  map[string]diag.Pos // case names seen, for duplicates
	active map[*yaml.Node]bool // cart mappings and lists being written, for alias cycles
	cart   map[string]diag.Pos // the case being read: its cart values by path
	keys   map[string]diag.Pos // ... and its cart keys
	buf    *bytes.Buffer       // ... and its cart JSON
}

func (t *testReader) document(doc *yaml.Node) {
	doc, ok := t.top(doc, "one test case (a mapping with name and cart) or a mapping with cases: a list of test cases")
	if !ok {
		return
	}
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if t.node(doc.Content[k]).Value == "cases" {
			entries, _ := t.mapping(doc, "test file", "test file", testFileKeys)
			for _, e := range entries {
				t.cases(e.value)
			}
			return
		}
	}
	t.testCase(doc)
}

func (t *testReader) cases(n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		t.wrongType(n, "cases", "a list of test cases")
		return
	}
	for _, item := range n.Content {
		t.testCase(t.node(item))
	}
}

func (t *testReader) testCase(n *yaml.Node) {
	entries, ok := t.mapping(n, "test case", "test case", testCaseKeys)
	if !ok {
		return
	}
	c := &TestCase{Pos: t.pos(n), Fields: map[string]diag.Pos{}}
	nameUnread := false
	for _, e := range entries {
		v := e.value
		if isNull(v) {
			continue
		}
		c.Fields[e.name] = t.pos(v)
		switch e.name {
		case "name":
			name, ok := t.str(v, "name")
			if !ok {
				delete(c.Fields, "name")
				nameUnread = true
			}
			c.Name = strings.TrimSpace(name)
		case "now":
			c.Now, _ = t.instant(v, "now")
		case "segments":
			for _, ref := range t.refs(v, "segments") {
				c.Segments = append(c.Segments, ref.ID)
			}
		case "membership":
			c.Membership, _ = t.str(v, "membership")
		case "cart":
			t.readCart(c, v)
		case "placements":
			c.Placements = t.refs(v, "placements")
		case "visitor_id":
			c.VisitorID, _ = t.str(v, "visitor_id")
		case "view":
			if n, ok := t.integer(v, "view"); ok && n < 0 {
				t.errorf(v, "invalid-value", "view %d is negative: the storefront's view counter starts at 0", n)
			} else {
				c.View = n
			}
		case "expect":
			t.expect(&c.Expect, c.Fields, v)
		}
	}
	namePos, named := c.Fields["name"]
	switch first, dup := t.names[c.Name]; {
	case nameUnread:
	case !named:
		t.diags.Add(c.Pos, "missing-field", "test case has no name: the golden file keys each case's result by its name")
	case c.Name == "":
		t.diags.Add(namePos, "invalid-value", "test case name is empty")
	case dup:
		t.diags.Add(namePos, "duplicate-case", "duplicate test case name %s: first used at %s; the golden file keys results by name", quote(c.Name), first)
	default:
		t.names[c.Name] = namePos
	}
	_, hasCart := c.Fields["cart"]
	_, hasPlacements := c.Fields["placements"]
	if !hasCart && !hasPlacements {
		t.diags.Add(c.Pos, "missing-field", "test case has no cart: write the cart JSON contract as YAML under cart:, or placements: to choose blocks for an empty cart")
	}
	t.checkPlacements(c)
	if _, ok := c.Fields["segments"]; ok {
		if p, ok := c.Fields["membership"]; ok {
			t.diags.Add(p, "conflicting-fields", "test case has both segments and membership: write the ids under one of them")
		}
	}
	t.file.Cases = append(t.file.Cases, c)
}

// checkPlacements checks a case's placements against each other and its
// expect.blocks: those the rules must know are the runner's to check.
func (t *testReader) checkPlacements(c *TestCase) {
	seen := map[string]diag.Pos{}
	for _, ref := range c.Placements {
		if first, dup := seen[ref.ID]; dup {
			t.diags.Add(ref.Pos, "duplicate-placement", "placement %s is listed twice: first at %s", quote(ref.ID), first)
			continue
		}
		seen[ref.ID] = ref.Pos
	}
	for _, fld := range []string{"visitor_id", "view"} {
		if p, ok := c.Fields[fld]; ok && len(c.Placements) == 0 {
			t.diags.Warn(p, "unused-field", "%s is only for choosing blocks: add placements, or remove it", fld)
		}
	}
	for _, be := range c.Expect.Blocks {
		if _, ok := seen[be.Placement]; !ok {
			var ids []string
			for _, ref := range c.Placements {
				ids = append(ids, ref.ID)
			}
			t.diags.Add(be.Pos, "unknown-placement", "expect.blocks names placement %s, which the case does not ask for: add it to placements%s",
				quote(be.Placement), diag.DidYouMean(be.Placement, ids))
		}
	}
}
