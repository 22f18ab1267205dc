package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
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
	active map[*yaml.Node]bool // cart mappings and lists being written, for cycles
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

// refs reads a list of non-empty strings, or one string as a list of one,
// with their positions.
func (t *testReader) refs(n *yaml.Node, field string) []Ref {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	} else if n.Kind != yaml.ScalarNode {
		t.wrongType(n, field, "a list of strings")
		return nil
	}
	out := []Ref{}
	for _, item := range items {
		item = t.node(item)
		s, ok := t.str(item, field+" item")
		switch {
		case !ok:
		case isNull(item) || strings.TrimSpace(s) == "":
			t.errorf(item, "invalid-value", "%s item is empty", field)
		default:
			out = append(out, Ref{ID: strings.TrimSpace(s), Pos: t.pos(item)})
		}
	}
	return out
}

func (t *testReader) expect(x *Expect, fields map[string]diag.Pos, n *yaml.Node) {
	entries, _ := t.mapping(n, "expect", "expect", expectKeys)
	for _, e := range entries {
		v, field := e.value, "expect."+e.name
		if isNull(v) {
			continue
		}
		fields[field] = t.pos(v)
		switch e.name {
		case "applied_rules":
			x.AppliedRules, x.HasAppliedRules = t.refs(v, field), true
		case "not_applied":
			x.NotApplied = t.refs(v, field)
		case "totals":
			totals, _ := t.mapping(v, field, field, totalsKeys)
			for _, te := range totals {
				if a, ok := t.amount(te.value, te.name, field+"."+te.name); ok {
					x.Totals = append(x.Totals, a)
				}
			}
		case "items":
			x.Items = t.itemExpects(v)
		case "free_shipping":
			if b, ok := t.boolean(v, field); ok {
				x.FreeShipping = &b
			}
		case "blocks":
			x.Blocks = t.blockExpects(v)
		case "coupon":
			coupon, _ := t.mapping(v, field, field, couponKeys)
			for _, ce := range coupon {
				if isNull(ce.value) {
					continue
				}
				if b, ok := t.boolean(ce.value, field+"."+ce.name); ok {
					x.CouponApplied = &b
				}
			}
		}
	}
}

// blockExpects reads expect.blocks: a mapping from placement id to the ids
// of the blocks it must show, in order.
func (t *testReader) blockExpects(n *yaml.Node) []BlockExpect {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "expect.blocks", "a mapping from placement id to the ids of the blocks it shows")
		return nil
	}
	var out []BlockExpect
	for _, e := range t.entries(n, "expect.blocks") {
		field := "expect.blocks." + e.name
		v := t.node(e.value)
		if v.Kind != yaml.SequenceNode {
			t.wrongType(v, field, "a list of block ids ([] for none)")
			continue
		}
		out = append(out, BlockExpect{Placement: e.name, Pos: t.pos(e.key), IDs: t.refs(v, field)})
	}
	return out
}

// itemExpects reads expect.items: a mapping from SKU to what its lines get.
func (t *testReader) itemExpects(n *yaml.Node) []ItemExpect {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "expect.items", "a mapping from SKU to what the line gets")
		return nil
	}
	var out []ItemExpect
	for _, e := range t.entries(n, "expect.items") {
		ie := ItemExpect{SKU: e.name, Pos: t.pos(e.key)}
		field := "expect.items." + e.name
		v := t.node(e.value)
		fields, _ := t.mapping(v, field, "item expectation", itemExpectKeys)
		for _, f := range fields {
			if a, ok := t.amount(f.value, f.name, field+"."+f.name); ok {
				ie.Discount = &a
			}
		}
		out = append(out, ie)
	}
	return out
}

func (t *testReader) amount(n *yaml.Node, name, field string) (Amount, bool) {
	if isNull(n) {
		return Amount{}, false
	}
	d, ok := t.decimal(n, field)
	return Amount{Field: name, Value: d, Text: n.Value, Pos: t.pos(n)}, ok
}

// entries returns the entries of the mapping n, whatever their keys, in
// order, with merge keys ("<<: *base") expanded as Load expands them. It
// reports keys that are not scalars, repeated keys and merge cycles.
func (t *testReader) entries(n *yaml.Node, what string) []entry {
	var out []entry
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, value := t.node(n.Content[k]), n.Content[k+1]
		switch {
		case key.Kind != yaml.ScalarNode:
			t.errorf(key, "wrong-type", "key in %s is %s: want a name", what, describe(key))
		case key.Tag == "!!merge":
			merges = append(merges, value)
		case seen[key.Value] != nil:
			t.errorf(key, "duplicate-key", "duplicate key %s in %s: first written at %s", quote(key.Value), what, t.pos(seen[key.Value]))
		default:
			seen[key.Value] = key
			out = append(out, entry{name: key.Value, key: key, value: value})
		}
	}
	for _, m := range merges {
		for _, base := range t.mergeSources(m) {
			if t.active[base] {
				t.errorf(m, "invalid-merge", "merge key includes a mapping that includes it: remove the cycle")
				continue
			}
			t.active[base] = true
			for _, e := range t.entries(base, what) {
				if seen[e.name] == nil {
					seen[e.name] = e.key
					out = append(out, e)
				}
			}
			delete(t.active, base)
		}
	}
	return out
}

// readCart writes the cart as JSON, recording positions by JSON path.
func (t *testReader) readCart(c *TestCase, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		t.wrongType(n, "cart", "a mapping: the cart JSON contract written as YAML")
		return
	}
	t.buf, t.cart, t.keys = &bytes.Buffer{}, map[string]diag.Pos{}, map[string]diag.Pos{}
	t.json(n, "")
	c.Cart, c.cartValues, c.cartKeys = t.buf.Bytes(), t.cart, t.keys
}

// json writes the YAML value n as JSON. Mappings become objects, lists
// arrays; a plain number is written with its text when JSON allows that
// text ("19.99"), else as a string ("1e3", "0x10"), for the cart decoder to
// judge; booleans and null are JSON's; everything else is a string.
func (t *testReader) json(n *yaml.Node, at string) {
	n = t.node(n)
	if _, ok := t.cart[at]; !ok {
		t.cart[at] = t.pos(n)
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if t.active[n] {
			t.errorf(n, "invalid-merge", "alias refers to a value that contains it: remove the cycle")
			t.buf.WriteString("null")
			return
		}
		t.active[n] = true
		defer delete(t.active, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		t.buf.WriteByte('{')
		for i, e := range t.entries(n, "cart") {
			if i > 0 {
				t.buf.WriteByte(',')
			}
			t.str2json(e.name)
			t.buf.WriteByte(':')
			p := diag.Member(at, e.name)
			if _, ok := t.keys[p]; !ok {
				t.keys[p] = t.pos(e.key)
			}
			t.json(e.value, p)
		}
		t.buf.WriteByte('}')
	case yaml.SequenceNode:
		t.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				t.buf.WriteByte(',')
			}
			t.json(item, at+"["+strconv.Itoa(i)+"]")
		}
		t.buf.WriteByte(']')
	case yaml.ScalarNode:
		switch {
		case n.Tag == "!!null":
			t.buf.WriteString("null")
		case n.Tag == "!!bool":
			t.buf.WriteString(strings.ToLower(n.Value))
		case (n.Tag == "!!int" || n.Tag == "!!float") && isJSONNumber(n.Value):
			t.buf.WriteString(n.Value)
		default:
			t.str2json(n.Value)
		}
	default:
		t.buf.WriteString("null")
	}
}

func (t *testReader) str2json(s string) {
	b, _ := json.Marshal(s) // a string always marshals
	t.buf.Write(b)
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}
