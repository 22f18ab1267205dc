package dsl

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// This file is what the engine needs to index and share conditions: a
// condition's top-level clauses (it holds when all of them do), each with a
// key that is equal for clauses that test the same thing, and the audiences
// a condition requires.

// Cache shares compiled conditions by their text and kind (cart or line
// condition), for one audience registry: within a rule set (the same text
// appears in many rules; "shoes" in item.categories in hundreds of any()
// clauses) and across compiles of successive versions of a rule set (a
// reload compiles only the conditions that changed). It is safe for
// concurrent use. A nil *Cache compiles without sharing.
type Cache struct {
	mu       sync.Mutex
	registry string               // the audience registry texts were compiled with
	texts    map[textKey]*Program // whole conditions, for this registry
	clauses  map[textKey]*Program // clauses of whole conditions, by their own text
	compiled map[string]bool      // lowered code expr compiles, whatever the registry
	prev     *Cache               // read on a miss, never written
	// prevTexts is set when prev was made for an equal registry: its
	// whole conditions hold for this one.
	prevTexts bool
}

type textKey struct {
	src  string
	item bool
}

// NewCache returns an empty cache for conditions compiled with the
// audience registry audiences: Compile must be given that registry
// whenever it is given this cache.
func NewCache(audiences []Audience) *Cache {
	return NewCacheFrom(nil, audiences)
}

// NewCacheFrom returns a cache for the registry audiences that takes what
// it misses from prev (nil for none) when prev was made for an equal
// registry. Call Detach when the
// compile it serves is done, so that it keeps only what that compile used.
func NewCacheFrom(prev *Cache, audiences []Audience) *Cache {
	var b strings.Builder
	for _, a := range audiences {
		b.WriteString(a.ID)
		b.WriteByte(0)
		b.WriteString(a.Name)
		b.WriteByte(0)
	}
	size := 0
	if prev != nil {
		prev.mu.Lock()
		size = len(prev.texts)
		prev.mu.Unlock()
	}
	registry := b.String()
	return &Cache{registry: registry, texts: make(map[textKey]*Program, size), clauses: map[textKey]*Program{}, compiled: map[string]bool{}, prev: prev,
		prevTexts: prev != nil && prev.registry == registry}
}

// Detach forgets the cache c was made from.
func (c *Cache) Detach() {
	c.mu.Lock()
	c.prev = nil
	c.mu.Unlock()
}

// Len is the number of conditions held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.texts)
}

// text returns the condition compiled from src, if c or the cache it was
// made from has it.
func (c *Cache) text(src string, item bool) *Program {
	if c == nil {
		return nil
	}
	k := textKey{src, item}
	c.mu.Lock()
	p, ok := c.texts[k]
	prev := c.prev
	c.mu.Unlock()
	if ok {
		return p
	}
	if prev == nil || !c.prevTexts {
		return nil
	}
	prev.mu.Lock()
	p = prev.texts[k]
	prev.mu.Unlock()
	if p != nil {
		// Its clauses are not recorded here: walking the clauses of every
		// condition a reload keeps costs more than the few new conditions
		// that would find one of them in this cache rather than in prev
		// (two versions back, they make the clause again).
		c.mu.Lock()
		c.texts[k] = p
		c.mu.Unlock()
	}
	return p
}

// Lookup returns the condition compiled from src (a line condition with
// item) that Compile would return at once, or nil when Compile would have
// to compile it.
func (c *Cache) Lookup(src string, item bool) *Program { return c.text(src, item) }

func (c *Cache) keep(src string, item bool, p *Program) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.texts[textKey{src, item}] = p
	c.mu.Unlock()
}

// clause returns the clause of a whole condition whose text is src, if c
// or the cache it was made from has it.
func (c *Cache) clause(src string, item bool) *Program {
	if c == nil {
		return nil
	}
	k := textKey{src, item}
	c.mu.Lock()
	p, ok := c.clauses[k]
	prev := c.prev
	c.mu.Unlock()
	if ok || prev == nil || !c.prevTexts {
		return p
	}
	prev.mu.Lock()
	p = prev.clauses[k]
	prev.mu.Unlock()
	if p != nil {
		return c.keepClause(src, item, p)
	}
	return nil
}

// keepClause keeps p as the clause whose text is src, unless c has one
// already: it returns the one c keeps.
func (c *Cache) keepClause(src string, item bool, p *Program) *Program {
	if c == nil {
		return p
	}
	k := textKey{src, item}
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.clauses[k]; ok {
		return q
	}
	c.clauses[k] = p
	return p
}

// compiles reports why expr does not compile code as a condition (nil
// when it does), asking expr once per cache for each code. Whether code
// compiles does not depend on the registry it was lowered with, so the
// cache this one was made from is asked too.
func (c *Cache) compiles(code string) error {
	if c != nil {
		c.mu.Lock()
		ok := c.compiled[code]
		prev := c.prev
		c.mu.Unlock()
		if !ok && prev != nil {
			prev.mu.Lock()
			ok = prev.compiled[code]
			prev.mu.Unlock()
		}
		if ok {
			c.mu.Lock()
			c.compiled[code] = true
			c.mu.Unlock()
			return nil
		}
	}
	if _, err := compileCode(code); err != nil {
		return err
	}
	if c != nil {
		c.mu.Lock()
		c.compiled[code] = true
		c.mu.Unlock()
	}
	return nil
}

// maxSplit bounds the code whose compiling is checked clause by clause
// (see validate): expr bounds the size of what it compiles, and a whole
// longer than any of its clauses may pass that bound when they do not.
const maxSplit = 2 << 10

// validate checks that expr compiles n's code. The code of "and", "or" and
// "not" is their clauses' code joined by &&, || or under !, in
// parentheses, and the checker has made every clause a true/false: when
// the clauses compile, so does the whole. Clauses repeat across a rule set
// (audience("X") and cart.subtotal >= 100 in hundreds of conditions), so
// each is compiled once per cache rather than within every condition.
func validate(n *node, c *Cache) error {
	if len(n.code) <= maxSplit && (n.kind == "and" || n.kind == "or" || n.kind == "not") {
		for _, k := range n.kids {
			if err := validate(k, c); err != nil {
				return err
			}
		}
		return nil
	}
	return c.compiles(n.code)
}

// compileCode compiles lowered code.
func compileCode(code string) (*vm.Program, error) {
	return expr.Compile(code, exprOptions(expr.AsBool())...)
}

// Conjunct is one clause of a condition's top-level "and" (the whole
// condition when it has none).
type Conjunct struct {
	// Key is equal for clauses that test the same thing on the same
	// environment: the code they lower to. It depends on the audience
	// registry the condition was compiled with.
	Key string
	// Program runs the clause alone.
	Program *Program
	// Audiences is set when the clause only tests membership: it holds when
	// the shopper is in any of these registry indexes (in none of them,
	// with Negate), and can be decided without running Program.
	Audiences []int
	Negate    bool
	// Quantifier is set when the clause asks a question of the lines of
	// the cart, so that lines can be asked once and shared with rules that
	// select lines the same way: "any", "all" or "none" of them satisfy
	// Lines; or the "count" of lines that satisfy Lines, or the "sum" of
	// Field over them, compared (Op: == < <= > >=) with Value. Lines is an
	// action.items-style condition (item is the line); nil means every
	// line. The clause holds exactly when the quantifier does.
	Quantifier string
	Lines      *Program
	Field      func(*ItemEnv) int
	Op         string
	Value      int
}

// Conjuncts returns the condition's clauses: it holds exactly when all of
// them do, and evaluating them in order with a stop at the first false one
// gives what the whole program gives.
//
// Clauses that recur across the conditions compiled with one Cache (the
// same text, the same kind) are one Conjunct, with one Program.
func (p *Program) Conjuncts() []*Conjunct { return p.conj }

// Requirement is what a condition needs of a request to hold, as a
// disjunction: the shopper is in one of Audiences (registry indexes), or
// the cart has a line in one of Categories, or a line whose SKU is one of
// SKUs, or a line with one of Attrs (all folded). An index keyed by them never misses a rule that could
// hold. The zero Requirement means nothing is known.
type Requirement struct {
	Audiences  []int
	Categories []string
	SKUs       []string
	Attrs      []AttrValue
}

// Size is how many keys the requirement has; 0 for none.
func (r Requirement) Size() int {
	return len(r.Audiences) + len(r.Categories) + len(r.SKUs) + len(r.Attrs)
}

// Requires returns what a request needs for the condition to hold (for a
// line condition: what a line needs for it to hold of that line); ok is
// false when nothing is known.
func (p *Program) Requires() (Requirement, bool) {
	if p.required == nil {
		return Requirement{}, false
	}
	return *p.required, true
}

func (p *Program) analyse(opts Options) error {
	root := p.tree.root
	p.required = required(root, opts.Item)
	p.native = nativeOf(root)
	if opts.Item {
		p.mask = maskOf(root)
	}
	var kids []*node
	flatten(root, &kids)
	if len(kids) == 1 {
		c := p.conjunct(p, root, opts)
		p.conj = []*Conjunct{&c}
		return nil
	}
	p.conj = make([]*Conjunct, 0, len(kids))
	for _, k := range kids {
		p.conj = append(p.conj, p.clause(k, opts))
	}
	return nil
}

// clause returns the Conjunct of p's clause k: the one the cache holds for
// the clause's text when it has it (the same clause recurs across a rule
// set: audience("X") and cart.subtotal >= 100 in hundreds of conditions,
// and a reload keeps them), else a new one, kept.
//
// A clause's Program is a condition of its own: its source is the
// clause's text, and its tree is rebuilt from that text when something
// asks for it. Its code is compiled when first run (it is part of the
// whole condition's code, which compiled).
func (p *Program) clause(k *node, opts Options) *Conjunct {
	text := ""
	if k.off >= 0 && k.end <= len(p.src) && k.off < k.end {
		text = strings.TrimSpace(p.src[k.off:k.end])
	}
	if text != "" {
		if sub := opts.Cache.clause(text, opts.Item); sub != nil && sub.code == k.code {
			return sub.conj[0]
		}
	}
	src := text
	if src == "" {
		src = p.src
	}
	sub := &Program{src: src, code: k.code}
	if text != "" {
		sub.tree.audiences, sub.tree.item = opts.Audiences, opts.Item
	} else {
		// No text of its own: the clause is read from its condition.
		sub.tree.of, sub.tree.index = p, slices.Index(p.tree.kids(), k)
	}
	sub.audiences = audiencesIn(k, nil)
	slices.Sort(sub.audiences)
	sub.audiences = slices.Compact(sub.audiences)
	sub.required, sub.native = required(k, opts.Item), nativeOf(k)
	c := p.conjunct(sub, k, opts)
	sub.conj = []*Conjunct{&c}
	if text != "" {
		if kept := opts.Cache.keepClause(text, opts.Item, sub); kept != sub && kept.code == sub.code {
			return kept.conj[0]
		}
	}
	return &c
}

// audiencesIn appends the registry indexes of the audiences n names.
func audiencesIn(n *node, out []int) []int {
	if n == nil {
		return out
	}
	out = append(out, n.auds...)
	for _, k := range n.kids {
		out = audiencesIn(k, out)
	}
	return audiencesIn(n.body, out)
}

// forget drops p's tree, for root to rebuild on demand by checking its
// text with opts. (The trees of its clauses were never built.)
func (p *Program) forget(opts Options) {
	p.tree.root, p.tree.audiences, p.tree.item = nil, opts.Audiences, opts.Item
}

// flatten collects the clauses of nested top-level "and"s, in order.
func flatten(n *node, out *[]*node) {
	if n.kind == "and" {
		for _, k := range n.kids {
			flatten(k, out)
		}
		return
	}
	*out = append(*out, n)
}

func (p *Program) conjunct(sub *Program, n *node, opts Options) Conjunct {
	c := Conjunct{Key: n.code, Program: sub}
	switch {
	case n.audience:
		c.Audiences = n.auds
	case n.kind == "not" && len(n.kids) == 1 && n.kids[0].audience:
		c.Audiences, c.Negate = n.kids[0].auds, true
	case n.kind == "call" && n.body != nil && len(n.kids) == 1 && n.kids[0].code == "Items" &&
		(strings.HasPrefix(n.code, "any(") || strings.HasPrefix(n.code, "all(") || strings.HasPrefix(n.code, "none(")):
		// The body, read again as a condition on one line: `item` is
		// then the line, as it is inside the call.
		if n.body.off < 0 || n.body.end > len(p.src) || n.body.off >= n.body.end {
			break
		}
		lines, errs := Compile(p.src[n.body.off:n.body.end], Options{Audiences: opts.Audiences, Item: true, Cache: opts.Cache, lazy: true})
		if errs == nil {
			c.Lines, c.Quantifier = lines, n.code[:strings.IndexByte(n.code, '(')]
		}
	case n.kind == "cmp" && !n.negated && len(n.kids) == 2 && n.kids[0].kind == "call" && n.kids[1].kind == "lit" && n.kids[1].typ == tNumber:
		p.aggregate(&c, n, opts)
	}
	return c
}

// aggregate reads `count(...) op N` and `sum(...) op N` over the lines, or
// over filter(items, P), as a Quantifier clause; it leaves c as it is for
// any other shape.
func (p *Program) aggregate(c *Conjunct, n *node, opts Options) {
	call := n.kids[0]
	value, err := strconv.Atoi(n.kids[1].code)
	if err != nil || len(call.kids) != 1 {
		return
	}
	switch n.op {
	case "==", "<", "<=", ">", ">=":
	default:
		return
	}
	lines := func(body *node) (*Program, bool) {
		if body.off < 0 || body.end > len(p.src) || body.off >= body.end {
			return nil, false
		}
		l, errs := Compile(p.src[body.off:body.end], Options{Audiences: opts.Audiences, Item: true, Cache: opts.Cache, lazy: true})
		return l, errs == nil
	}
	// The lines asked about: every line, or those filter(items, P) keeps.
	var keep *Program
	switch list := call.kids[0]; {
	case list.code == "Items":
	case list.kind == "call" && list.fn == "filter" && list.body != nil && len(list.kids) == 1 && list.kids[0].code == "Items":
		var ok bool
		if keep, ok = lines(list.body); !ok {
			return
		}
	default:
		return
	}
	switch {
	case call.fn == "count" && call.body == nil: // count(list)
		c.Quantifier, c.Lines = "count", keep
	case call.fn == "count" && keep == nil: // count(items, P)
		l, ok := lines(call.body)
		if !ok {
			return
		}
		c.Quantifier, c.Lines = "count", l
	case call.fn == "sum" && call.body != nil && call.body.kind == "path":
		get := numberField(strings.Replace(call.body.code, "#.", "Item.", 1))
		if get == nil {
			return
		}
		c.Quantifier, c.Lines, c.Field = "sum", keep, func(it *ItemEnv) int { return get(nil, it) }
	default:
		return
	}
	c.Op, c.Value = n.op, value
}

// required is what n needs (see Requirement); line says n is asked of one
// line (item is that line), else of the whole cart. An audience call needs
// one of its audiences; a category or SKU test of the line needs that
// category or SKU of it; any(items, P), and a count of the lines where P
// holds or a sum over them that must be above zero, need what P needs of
// some line; "and" needs what any of its clauses needs (the smallest set is
// the most selective); "or" needs what every branch needs, together, and
// nothing when one branch needs nothing. Everything else, "not" included,
// needs nothing.
func required(n *node, line bool) *Requirement {
	switch {
	case n.audience:
		r := &Requirement{Audiences: slices.Clone(n.auds)}
		return r.normal()
	case n.kind == "and":
		var best *Requirement
		for _, k := range n.kids {
			if r := required(k, line); r != nil && (best == nil || r.Size() < best.Size()) {
				best = r
			}
		}
		return best
	case n.kind == "or":
		all := &Requirement{}
		for _, k := range n.kids {
			r := required(k, line)
			if r == nil {
				return nil
			}
			all.Audiences = append(all.Audiences, r.Audiences...)
			all.Categories = append(all.Categories, r.Categories...)
			all.SKUs = append(all.SKUs, r.SKUs...)
			all.Attrs = append(all.Attrs, r.Attrs...)
		}
		return all.normal()
	case n.kind == "cmp" && !n.negated && len(n.kids) == 2:
		if r := lineTest(n); r != nil && line {
			return r
		}
		if !line {
			return aggregateNeeds(n)
		}
	case n.kind == "call" && n.fn == "any" && n.body != nil && len(n.kids) == 1 && n.kids[0].code == "Items":
		return required(n.body, true)
	}
	return nil
}

// lineTest is what a category or SKU test of the line needs.
func lineTest(n *node) *Requirement {
	l, r, op := n.kids[0], n.kids[1], n.op
	isLine := func(code, field string) bool { return code == "Item."+field || code == "#."+field }
	switch {
	case l.typ == tString && l.kind == "lit" && isLine(r.code, "Categories") && op == "in",
		r.typ == tString && r.kind == "lit" && isLine(l.code, "Categories") && op == "contains":
		lit := l
		if op == "contains" {
			lit = r
		}
		if v, err := strconv.Unquote(lit.code); err == nil {
			return &Requirement{Categories: []string{v}}
		}
	case isLine(l.code, "SKU") && r.kind == "lit" && r.typ == tString && op == "==":
		if v, err := strconv.Unquote(r.code); err == nil {
			return &Requirement{SKUs: []string{v}}
		}
	case attrTextTest(l, r, op, "Item.Attrs") != nil:
		return &Requirement{Attrs: []AttrValue{*attrTextTest(l, r, op, "Item.Attrs")}}
	case attrTextTest(l, r, op, "#.Attrs") != nil:
		return &Requirement{Attrs: []AttrValue{*attrTextTest(l, r, op, "#.Attrs")}}
	case isLine(l.code, "SKU") && r.typ == tStrings && r.literal && op == "in":
		if set := unquoteAll(r.elems); set != nil {
			return (&Requirement{SKUs: set}).normal()
		}
	}
	return nil
}

// aggregateNeeds is what `count(...) op N` or `sum(...) op N` needs when
// it can only hold with some line counted: the lines counted or summed
// (the fields summed are never negative) are those P keeps, so some line
// must satisfy P.
func aggregateNeeds(n *node) *Requirement {
	call, lit := n.kids[0], n.kids[1]
	if call.kind != "call" || lit.kind != "lit" || lit.typ != tNumber || len(call.kids) != 1 {
		return nil
	}
	v, err := strconv.Atoi(lit.code)
	if err != nil || !(n.op == ">" && v >= 0 || (n.op == ">=" || n.op == "==") && v > 0) {
		return nil
	}
	var pred *node
	switch list := call.kids[0]; {
	case list.kind == "call" && list.fn == "filter" && list.body != nil && len(list.kids) == 1 && list.kids[0].code == "Items":
		pred = list.body
	case list.code == "Items" && call.fn == "count" && call.body != nil:
		pred = call.body
	}
	if pred == nil || call.fn != "count" && call.fn != "sum" {
		return nil
	}
	return required(pred, true)
}

// normal sorts r's keys and drops repeats.
func (r *Requirement) normal() *Requirement {
	slices.Sort(r.Audiences)
	r.Audiences = slices.Compact(r.Audiences)
	slices.Sort(r.Categories)
	r.Categories = slices.Compact(r.Categories)
	slices.Sort(r.SKUs)
	r.SKUs = slices.Compact(r.SKUs)
	slices.SortFunc(r.Attrs, func(a, b AttrValue) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
	})
	r.Attrs = slices.Compact(r.Attrs)
	return r
}
