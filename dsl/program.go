package dsl

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Audience is an entry of the audience registry, as conditions see it:
// audience("X") is true when the shopper is in the audience named X (or
// whose id is X). Its index in Options.Audiences is its index in Env.Member.
type Audience struct {
	ID   string
	Name string
}

// Options say what a condition may refer to.
type Options struct {
	Audiences []Audience
	// Item makes `item` the line an action.items condition is asked about.
	Item bool
	// Cache, when set, shares compiled conditions (see Cache); it must
	// have been made for Audiences.
	Cache *Cache

	// lazy defers compiling the expr program of a condition that has a
	// native form until it is first run (see Program.vm).
	lazy bool
}

func (o *Options) lookup(s string) (int, bool) {
	for i, a := range o.Audiences {
		if a.ID == s {
			return i, true
		}
	}
	for i, a := range o.Audiences {
		if strings.EqualFold(a.Name, s) {
			return i, true
		}
	}
	return 0, false
}

func (o *Options) names() []string {
	out := make([]string, len(o.Audiences))
	for i, a := range o.Audiences {
		out[i] = a.Name
	}
	return out
}

// Program is a compiled condition. It is immutable and safe for concurrent
// use; run it with a Machine.
type Program struct {
	src  string
	code string // the expr code it lowers to
	// tree is the checked tree, rebuilt from src when something asks for
	// it (Explain): the trees of a large rule set weigh more than
	// everything else compiled from it, and only explaining reads them.
	// It and the expr program are held in the Program itself, not beside
	// it: a large rule set has tens of thousands of conditions and
	// clauses, and every object is one more for the collector to visit.
	tree      tree
	prog      *vm.Program
	audiences []int
	paths     []string
	line      LineFields // the line fields paths name
	conj      []*Conjunct
	required  *Requirement
	native    Native
	mask      Mask
	// prog is compiled on first use (vmOnce): parts of conditions whose
	// whole was compiled at load time, and conditions that run natively,
	// keep no expr program unless something asks for one.
	vmOnce sync.Once
	vmErr  error
}

// tree holds a program's checked tree, built when first asked for: for a
// whole condition by checking its text again with the options it was
// compiled with (it checked without error then, and gives the same tree
// now); for a clause, as that clause of its condition's tree.
type tree struct {
	once sync.Once
	root *node
	// A whole condition: the registry and kind it was checked with.
	audiences []Audience
	item      bool
	// A clause: its condition and its index among the clauses.
	of    *Program
	index int
}

// root returns p's checked tree.
func (p *Program) root() *node {
	t := &p.tree
	t.once.Do(func() {
		if t.root != nil {
			return
		}
		if t.of != nil {
			var kids []*node
			flatten(t.of.root(), &kids)
			t.root = kids[t.index]
			return
		}
		root, errs := check(p.src, Options{Audiences: t.audiences, Item: t.item})
		if len(errs) == 0 {
			t.root = root
		}
	})
	return t.root
}

// kids returns the clauses of the tree's root.
func (t *tree) kids() []*node {
	var kids []*node
	if root := t.root; root != nil {
		flatten(root, &kids)
	}
	return kids
}

// vm returns the program's expr code, compiling it on first use.
func (p *Program) vm() (*vm.Program, error) {
	// Compiled without a cache: a Program outlives the compile that made
	// it (a reload reuses it), and must not keep that compile's cache alive.
	p.vmOnce.Do(func() { p.prog, p.vmErr = compileCode(p.code) })
	return p.prog, p.vmErr
}

// Source returns the condition's text.
func (p *Program) Source() string { return p.src }

// Code returns the expr code the condition was lowered to (for debugging
// ruled itself; never shown in diagnostics).
func (p *Program) Code() string { return p.code }

// Audiences returns the registry indexes of the audiences the condition
// names, ascending.
func (p *Program) Audiences() []int { return p.audiences }

// Paths returns the field paths the condition reads, sorted; nil for a
// clause of Conjuncts, whose whole condition's paths cover it.
func (p *Program) Paths() []string { return p.paths }

// LineFields says which fields of a line a condition reads, so that an
// environment can leave the others empty.
type LineFields struct{ SKU, Name, Attrs bool }

func lineFieldsOf(paths []string) LineFields {
	var f LineFields
	for _, path := range paths {
		switch {
		case path == "item.sku":
			f.SKU = true
		case path == "item.name":
			f.Name = true
		case strings.HasPrefix(path, "item.attributes"):
			f.Attrs = true
		}
	}
	return f
}

// LineFields returns the line fields the condition reads (none for a
// clause of Conjuncts: see Paths).
func (p *Program) LineFields() LineFields { return p.line }

// Compile parses, checks and compiles a condition. It returns every problem
// found, as errors at byte offsets of src; the program is nil when there is
// any.
func Compile(src string, opts Options) (*Program, []*Error) {
	if p := opts.Cache.text(src, opts.Item); p != nil {
		return p, nil
	}
	p, errs := compile(src, opts)
	if p != nil {
		opts.Cache.keep(src, opts.Item, p)
	}
	return p, errs
}

// checked returns the checked tree of src, and the checker that made it.
func checked(src string, opts Options) (*node, *checker, []*Error) {
	ast, err := Parse(src)
	if err != nil {
		return nil, nil, []*Error{err.(*Error)}
	}
	c := &checker{src: src, opts: opts, audiences: map[int]bool{}, paths: map[string]bool{}}
	s := scope{}
	if opts.Item {
		s.item = "Item"
	}
	root := c.boolean(c.expr(ast, s), "")
	if len(c.errs) > 0 {
		return nil, nil, c.errs
	}
	return root, c, nil
}

func check(src string, opts Options) (*node, []*Error) {
	root, _, errs := checked(src, opts)
	return root, errs
}

func compile(src string, opts Options) (*Program, []*Error) {
	root, c, errs := checked(src, opts)
	if errs != nil {
		return nil, errs
	}
	// The expr program is compiled when first run: most conditions run
	// natively, and an expr program with its tree is most of what a
	// compiled condition weighs. A whole condition's clauses are compiled
	// here all the same (see validate), and thrown away, so that one that
	// expr rejects is found at load time.
	p := &Program{src: src, code: root.code}
	p.tree.root = root
	if err := p.analyse(opts); err != nil {
		return nil, []*Error{{Code: "internal", Msg: "ruled could not compile this condition (an internal error; please report it): " + firstLine(err.Error())}}
	}
	if !opts.lazy || p.native == nil && p.mask == nil {
		if cerr := validate(root, opts.Cache); cerr != nil {
			// The checker accepted something expr rejects: a bug in ruled,
			// not in the rule. Say so plainly, without the generated code.
			return nil, []*Error{{Code: "internal", Msg: "ruled could not compile this condition (an internal error; please report it): " + firstLine(cerr.Error())}}
		}
	}
	for i := range c.audiences {
		p.audiences = append(p.audiences, i)
	}
	slices.Sort(p.audiences)
	for k := range c.paths {
		p.paths = append(p.paths, k)
	}
	slices.Sort(p.paths)
	p.line = lineFieldsOf(p.paths)
	// From here on the tree is rebuilt when asked for (see tree).
	p.forget(opts)
	return p, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func exprOptions(extra ...expr.Option) []expr.Option {
	return append([]expr.Option{
		expr.Env(Env{}),
		expr.Function("attrOp", func(p ...any) (any, error) {
			return attrOp(p[0].(map[string]Value), p[1].(string), p[2].(string), p[3]), nil
		}, new(func(map[string]Value, string, string, any) bool)),
		expr.Function("attrText", func(p ...any) (any, error) {
			return attrText(p[0].(map[string]Value), p[1].(string)), nil
		}, new(func(map[string]Value, string) string)),
		expr.Function("has", func(p ...any) (any, error) {
			return has(p[0].([]string), p[1].(string)), nil
		}, new(func([]string, string) bool)),
		expr.Function("intersects", func(p ...any) (any, error) {
			return intersects(p[0], p[1]), nil
		}, new(func(any, any) bool)),
		expr.Function("cmpStr", func(p ...any) (any, error) {
			return looseCompare(p[0].(string), p[1].(string)), nil
		}, new(func(string, string) int)),
	}, extra...)
}

// attrText shows an attribute's value in explanations.
func attrText(attrs map[string]Value, name string) string {
	v, ok := attrs[name]
	switch {
	case !ok:
		return "(not set)"
	case v.IsList:
		return "[" + strings.Join(quoteAll(v.List), ", ") + "]"
	case v.IsNum, v.IsBool:
		return v.Str
	}
	return fmt.Sprintf("%q", v.Str)
}

func quoteAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// Machine runs programs. It is not safe for concurrent use: keep one per
// goroutine (a sync.Pool of them is the usual way). Reusing a Machine
// avoids allocating a virtual machine per condition.
type Machine struct{ vm vm.VM }

// Eval runs p against env, which must hold an Env (boxed once per
// evaluation by the caller, so that programs read it without copying).
func (m *Machine) Eval(p *Program, env any) (bool, error) {
	prog, err := p.vm()
	if err != nil {
		return false, fmt.Errorf("condition %q failed: %s", p.src, firstLine(err.Error()))
	}
	out, err := m.vm.Run(prog, env)
	if err != nil {
		return false, fmt.Errorf("condition %q failed: %s", p.src, firstLine(err.Error()))
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("condition %q gave %T, not true/false", p.src, out)
	}
	return b, nil
}
