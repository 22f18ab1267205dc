package engine

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Program is a compiled rule set. It is immutable and safe for concurrent use.
type Program struct {
	set      *rules.Set
	loc      *time.Location
	currency money.Currency
	// websites holds the currency of websites that price in another one.
	websites  map[string]money.Currency
	audiences []dsl.Audience
	byID      map[string]int // audience id → registry index
	rules     []*rule        // in application order: priority, then id
	// placements by id, and their ids sorted for suggestions.
	placements   map[string]*placement
	placementIDs []string
	// clauses and preds are the distinct condition clauses and action.items
	// predicates of the cart rules; idx lists candidates (index.go).
	clauses    []clause
	preds      []*dsl.Program
	predNative []dsl.Native // preds as Go code, where they have that form
	predMask   []dsl.Mask   // preds over every line at once, where they have that form
	maskKeys   *dsl.MaskKeys
	idx        index
	filter     *ruleFilter // the rules' target filters as bitsets (filter.go)
	cache      *dsl.Cache
	// reads says which line fields some condition reads; the environment
	// leaves the others empty (folding names and building attribute maps
	// for every line is most of its cost).
	reads    lineFields
	machines sync.Pool // *dsl.Machine
	scratch  sync.Pool // *scratch
}

// rule is a cart rule ready to evaluate.
type rule struct {
	*rules.CartRule
	when    *dsl.Program // nil: always
	items   *dsl.Program // nil: every line
	coupons map[string]bool
	target
	conj []int32 // the clauses of when, in order (index.go)
	pred int32   // the action.items predicate; -1: every line
	seq  int32   // the rule's index in the set
}

// Compile compiles a rule set. It reports every problem, positioned in the
// rule files; the Program is nil when any of them is an error. Conditions
// are compiled on every core.
func Compile(set *rules.Set) (*Program, diag.List) {
	return compile(set, nil, 0)
}

// Compiler compiles successive versions of a rule set, reusing every
// condition the previous version had: a reload that changes one file
// parses and compiles only that file's new conditions (all of them when
// the audience registry changed, but still not the code they lower to). It
// is safe for concurrent use; each Compile sees the last successful one's
// conditions.
type Compiler struct {
	mu      sync.Mutex
	last    *dsl.Cache
	workers int
}

// SetWorkers bounds how many conditions compile at once; 0, the default,
// means one per core. A server that reloads while it answers requests may
// want fewer, so that a reload does not take every core from them.
func (c *Compiler) SetWorkers(n int) {
	c.mu.Lock()
	c.workers = n
	c.mu.Unlock()
}

// Compile compiles a rule set as the package-level Compile does.
func (c *Compiler) Compile(set *rules.Set) (*Program, diag.List) {
	c.mu.Lock()
	last, workers := c.last, c.workers
	c.mu.Unlock()
	p, l := compile(set, last, workers)
	if p != nil {
		c.mu.Lock()
		c.last = p.cache
		c.mu.Unlock()
	}
	return p, l
}

func compile(set *rules.Set, last *dsl.Cache, workers int) (*Program, diag.List) {
	var l diag.List
	p := &Program{set: set, loc: time.UTC, byID: map[string]int{}}
	if tz := set.Config.Timezone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			l.Add(set.Config.Fields["timezone"], "unknown-timezone", "unknown time zone %q: want an IANA name such as America/New_York", tz)
		} else {
			p.loc = loc
		}
	}
	p.currency, _ = money.LookupCurrency("USD")
	if set.Config.Currency != "" {
		c, err := money.ParseCurrency(set.Config.Currency)
		if err != nil {
			l.Add(set.Config.Fields["currency"], "unknown-currency", "%v", err)
		} else {
			p.currency = c
		}
	}
	for site, code := range set.Config.WebsiteCurrencies {
		c, err := money.ParseCurrency(code)
		if err != nil {
			l.Add(set.Config.Fields["websites."+site], "unknown-currency", "%v", err)
			continue
		}
		if p.websites == nil {
			p.websites = map[string]money.Currency{}
		}
		p.websites[dsl.Fold(site)] = c
	}
	for _, a := range set.Audiences {
		p.byID[a.ID] = len(p.audiences)
		p.audiences = append(p.audiences, dsl.Audience{ID: a.ID, Name: a.Name})
	}
	p.cache = dsl.NewCacheFrom(last, p.audiences)
	defer p.cache.Detach()
	compiled := p.compileConditions(workers)
	p.rules = make([]*rule, 0, len(set.CartRules))
	// The rules are one array: one object rather than one per rule, and
	// side by side for the walks over them.
	all := make([]rule, len(set.CartRules))
	for i := range set.CartRules {
		r := &set.CartRules[i]
		cr := &all[i]
		*cr = rule{CartRule: r, seq: int32(i), coupons: fold(r.Coupons), target: p.newTarget(r.Enabled, r.Websites, r.CustomerGroups, r.From, r.To)}
		if r.GeneratedCoupons && cr.coupons == nil {
			// A rule of generated codes needs a code all the same.
			cr.coupons = map[string]bool{}
		}
		cr.when = compiled.add(&l, r.When, false)
		cr.items = compiled.add(&l, r.Action.Items, true)
		p.rules = append(p.rules, cr)
	}
	p.compileBlocks(&l, compiled)
	// The order of the set breaks ties (as a stable sort would; an
	// unstable one with a total order is several times faster).
	slices.SortFunc(p.rules, func(a, b *rule) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.ID, b.ID), cmp.Compare(a.seq, b.seq))
	})
	set.Sources.Attach(l)
	l.Sort()
	if l.HasErrors() {
		return nil, l
	}
	p.share()
	p.filter = newRuleFilter(p.rules)
	p.maskKeys = dsl.CurrentMaskKeys() // after every mask of the program was built
	p.reads = compiled.reads
	p.machines.New = func() any { return new(dsl.Machine) }
	return p, l
}

// lineFields are line fields a condition may read.
type lineFields struct{ sku, name, attrs bool }

// add records the line fields prog reads.
func (f *lineFields) add(prog *dsl.Program) {
	if prog == nil {
		return
	}
	l := prog.LineFields()
	f.sku, f.name, f.attrs = f.sku || l.SKU, f.name || l.Name, f.attrs || l.Attrs
}

// conditionKey is a condition to compile: its text and kind.
type conditionKey struct {
	text string
	item bool
}

type compiledCondition struct {
	prog *dsl.Program
	errs []*dsl.Error
}

// conditions are the rule set's conditions, compiled: those the cache
// had, by rule (when, then action.items) and block, and those compiled
// afresh, with their problems.
type conditions struct {
	hits   []*dsl.Program
	misses map[conditionKey]compiledCondition
	reads  lineFields // of every condition added
}

// compileConditions compiles every distinct condition of the rule set
// (cart rules and blocks) that the cache does not hold, on workers
// goroutines (0: one per core). Each text is parsed and checked once,
// however many rules share it.
func (p *Program) compileConditions(workers int) *conditions {
	out := &conditions{hits: make([]*dsl.Program, 0, 2*len(p.set.CartRules)+len(p.set.Blocks)), misses: map[conditionKey]compiledCondition{}}
	var keys []conditionKey
	want := func(e rules.Expr, item bool) {
		var hit *dsl.Program
		if !e.IsZero() {
			hit = p.cache.Lookup(e.Text, item)
		}
		out.hits = append(out.hits, hit)
		if e.IsZero() || hit != nil {
			return
		}
		k := conditionKey{e.Text, item}
		if _, ok := out.misses[k]; !ok {
			out.misses[k] = compiledCondition{}
			keys = append(keys, k)
		}
	}
	for i := range p.set.CartRules {
		want(p.set.CartRules[i].When, false)
		want(p.set.CartRules[i].Action.Items, true)
	}
	for i := range p.set.Blocks {
		want(p.set.Blocks[i].When, false)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]compiledCondition, len(keys))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(keys)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) {
					return
				}
				k := keys[i]
				prog, errs := dsl.Compile(k.text, dsl.Options{Audiences: p.audiences, Item: k.item, Cache: p.cache})
				results[i] = compiledCondition{prog, errs}
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		out.misses[k] = results[i]
	}
	return out
}

// add returns e's compiled condition (nil for none) and reports its
// problems at their positions in the rule file. Conditions are added in
// the order compileConditions met them.
func (c *conditions) add(l *diag.List, e rules.Expr, item bool) *dsl.Program {
	prog := c.hits[0]
	c.hits = c.hits[1:]
	if e.IsZero() {
		return nil
	}
	if prog == nil {
		r := c.misses[conditionKey{e.Text, item}]
		for _, err := range r.errs {
			l.Add(e.PosAt(err.Offset), err.Code, "%s", err.Msg)
		}
		prog = r.prog
	}
	c.reads.add(prog)
	return prog
}

// window turns from/to bounds into instants: dates are whole days in the
// project's time zone, inclusive at both ends.
func (p *Program) window(f, t rules.Bound) (from, to time.Time) {
	switch {
	case !f.Date.IsZero():
		from = f.Date.In(p.loc)
	case !f.Instant.IsZero():
		from = f.Instant
	}
	switch {
	case !t.Date.IsZero():
		to = t.Date.In(p.loc).AddDate(0, 0, 1)
	case !t.Instant.IsZero():
		to = t.Instant.Add(time.Nanosecond)
	}
	return from, to
}

func fold(l []string) map[string]bool {
	if len(l) == 0 {
		return nil
	}
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[dsl.Fold(strings.TrimSpace(s))] = true
	}
	return m
}

// Currency is the currency the rules' amounts are written in, on every
// website that does not name its own.
func (p *Program) Currency() money.Currency { return p.currency }

// CurrencyOf is the currency carts of a website are priced in: the rules'
// fixed amounts are in it, as Magento's are in the website's base currency.
func (p *Program) CurrencyOf(website string) money.Currency {
	if c, ok := p.websites[dsl.Fold(website)]; ok {
		return c
	}
	return p.currency
}

// CartDefaults are the defaults carts are decoded with.
func (p *Program) CartDefaults() CartDefaults {
	return CartDefaults{Currency: p.currency, Websites: p.websites}
}

// Location is the time zone rule dates are days in.
func (p *Program) Location() *time.Location { return p.loc }

// Set returns the rule set the program was compiled from. Treat it as
// read-only.
func (p *Program) Set() *rules.Set { return p.set }

// Summary is a one-line count of what the program holds.
func (p *Program) Summary() string {
	s := diag.Plural(len(p.rules), "cart rule") + ", " + diag.Plural(len(p.audiences), "audience")
	if len(p.placements) > 0 || len(p.set.Blocks) > 0 {
		s += ", " + diag.Plural(len(p.placements), "placement") + ", " + diag.Plural(len(p.set.Blocks), "block")
	}
	return s
}

// RuleAudiences returns the names of the audiences rule id's conditions
// name (in `when` or `action.items`), in registry order; nil for an unknown
// rule or one that names none.
func (p *Program) RuleAudiences(id string) []string {
	for _, r := range p.rules {
		if r.ID == id {
			return p.audiencesOf(r.when, r.items)
		}
	}
	return nil
}

// Rule statuses in listings.
const (
	RuleEnabled   = "enabled"
	RuleDisabled  = "disabled"
	RuleScheduled = "scheduled" // its window has not started
	RuleExpired   = "expired"   // its window has ended
)

// RuleInfo describes one compiled cart rule for listings and dashboards.
type RuleInfo struct {
	Rule      *rules.CartRule
	Status    string   // at the instant asked about
	Audiences []string // names of the audiences its conditions use
}

// Rules lists the cart rules in application order (priority, then id), with
// their status at now.
func (p *Program) Rules(now time.Time) []RuleInfo {
	out := make([]RuleInfo, len(p.rules))
	for i, r := range p.rules {
		out[i] = RuleInfo{Rule: r.CartRule, Status: r.status(now), Audiences: p.audiencesOf(r.when, r.items)}
	}
	return out
}

// Lint reports what can never apply or show again at now: rules and blocks
// whose window has ended; and enabled rules that could stack past the
// guardrail (guardrail.go). These are warnings: a project may keep last
// season's promotions on file, and may mean a cap to bind.
func (p *Program) Lint(now time.Time) diag.List {
	var l diag.List
	for _, r := range p.rules {
		if r.status(now) == RuleExpired {
			l.Warn(r.FieldPos("to"), "expired", "cart rule %q ended %s: it can never apply again", r.ID, r.To)
		}
	}
	for _, pl := range p.placements {
		for _, b := range pl.blocks {
			if b.status(now) == RuleExpired {
				l.Warn(b.FieldPos("to"), "expired", "block %q ended %s: it can never show again", b.ID, b.To)
			}
		}
	}
	p.lintGuardrails(&l, now)
	p.set.Sources.Attach(l)
	l.Sort()
	return l
}
