package dsl

import (
	"slices"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// This file is what the engine needs to index and share conditions: a
// condition's top-level clauses (it holds when all of them do), each with a
// key that is equal for clauses that test the same thing, and the audiences
// a condition requires.

// Cache shares compiled conditions: within a rule set (the same text and
// "shoes" in item.categories appear in hundreds of rules) and across
// compiles of successive versions of a rule set (a reload compiles only the
// conditions that changed). Whole conditions are shared by their text and
// kind (cart or line condition) while the audience registry is the same;
// compiled code by the code it was lowered to, whatever the registry. It is
// safe for concurrent use. A nil *Cache compiles without sharing.
type Cache struct {
	mu       sync.Mutex
	registry string                 // the audience registry texts were compiled with
	texts    map[textKey]*Program   // whole conditions, for this registry
	progs    map[string]*vm.Program // compiled code by lowered code
	prev     *Cache                 // read on a miss, never written
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
// it misses from prev (nil for none): compiled code always, whole
// conditions when prev was made for an equal registry. Call Detach when the
// compile it serves is done, so that it keeps only what that compile used.
func NewCacheFrom(prev *Cache, audiences []Audience) *Cache {
	var b strings.Builder
	for _, a := range audiences {
		b.WriteString(a.ID)
		b.WriteByte(0)
		b.WriteString(a.Name)
		b.WriteByte(0)
	}
	return &Cache{registry: b.String(), texts: map[textKey]*Program{}, progs: map[string]*vm.Program{}, prev: prev}
}

// Detach forgets the cache c was made from.
func (c *Cache) Detach() {
	c.mu.Lock()
	c.prev = nil
	c.mu.Unlock()
}

// Len is the number of distinct compiled codes held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.progs)
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
	if prev == nil || prev.registry != c.registry {
		return nil
	}
	prev.mu.Lock()
	p = prev.texts[k]
	prev.mu.Unlock()
	if p != nil {
		c.mu.Lock()
		c.texts[k] = p
		c.mu.Unlock()
	}
	return p
}

func (c *Cache) keep(src string, item bool, p *Program) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.texts[textKey{src, item}] = p
	c.mu.Unlock()
}

// compile compiles lowered code, through the cache when there is one.
func (c *Cache) compile(code string) (*vm.Program, error) {
	if c == nil {
		return expr.Compile(code, exprOptions(expr.AsBool())...)
	}
	c.mu.Lock()
	p, ok := c.progs[code]
	prev := c.prev
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	if prev != nil {
		prev.mu.Lock()
		p, ok = prev.progs[code]
		prev.mu.Unlock()
	}
	if !ok {
		var err error
		if p, err = expr.Compile(code, exprOptions(expr.AsBool())...); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	if q, ok := c.progs[code]; ok {
		p = q
	} else {
		c.progs[code] = p
	}
	c.mu.Unlock()
	return p, nil
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
	// Lines is set when the clause asks a question of every line of the
	// cart: any, all or none of them (Quantifier) satisfy Lines, an
	// action.items-style condition (item is the line). Such a clause holds
	// exactly when the quantifier over Lines does, so lines can be asked
	// once and shared with rules that select lines the same way.
	Lines      *Program
	Quantifier string
}

// Conjuncts returns the condition's clauses: it holds exactly when all of
// them do, and evaluating them in order with a stop at the first false one
// gives what the whole program gives.
func (p *Program) Conjuncts() []Conjunct { return p.conj }

// RequiredAudiences returns registry indexes such that the condition can
// only hold for a shopper in at least one of them, ascending; nil when no
// such set is known (the condition may hold for a shopper in no audience).
// An index keyed by them never misses a rule that could apply.
func (p *Program) RequiredAudiences() []int { return p.required }

func (p *Program) analyse(opts Options) error {
	p.required = required(p.root)
	p.native = nativeOf(p.root)
	var kids []*node
	flatten(p.root, &kids)
	if len(kids) == 1 {
		p.conj = []Conjunct{p.conjunct(p, p.root, opts)}
		return nil
	}
	for _, k := range kids {
		prog, err := opts.Cache.compile(k.code)
		if err != nil {
			return err
		}
		sub := &Program{src: p.src, root: k, prog: prog, audiences: p.audiences, paths: p.paths}
		sub.required, sub.native = required(k), nativeOf(k)
		c := p.conjunct(sub, k, opts)
		sub.conj = []Conjunct{c}
		p.conj = append(p.conj, c)
	}
	return nil
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
		lines, errs := Compile(p.src[n.body.off:n.body.end], Options{Audiences: opts.Audiences, Item: true, Cache: opts.Cache})
		if errs == nil {
			c.Lines, c.Quantifier = lines, n.code[:strings.IndexByte(n.code, '(')]
		}
	}
	return c
}

// required is the audience set n needs (see RequiredAudiences): an
// audience call needs one of its audiences; "and" needs what any of its
// clauses needs (the smallest set is the most selective); "or" needs the
// union of what every branch needs, and nothing when one branch needs
// nothing. Everything else, "not" included, needs nothing.
func required(n *node) []int {
	switch {
	case n.audience:
		s := slices.Clone(n.auds)
		slices.Sort(s)
		return slices.Compact(s)
	case n.kind == "and":
		var best []int
		for _, k := range n.kids {
			if r := required(k); r != nil && (best == nil || len(r) < len(best)) {
				best = r
			}
		}
		return best
	case n.kind == "or":
		var all []int
		for _, k := range n.kids {
			r := required(k)
			if r == nil {
				return nil
			}
			all = append(all, r...)
		}
		slices.Sort(all)
		return slices.Compact(all)
	}
	return nil
}
