package whatif

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// Side is one of the two rule sets compared.
type Side struct {
	// Label names it in the report: a directory or a revision.
	Label   string
	Program *engine.Program
}

// Source yields the carts of a corpus, as corpus.Scan does.
type Source func(fn func(*corpus.Entry, error) error) error

// Options tune a comparison.
type Options struct {
	// At, when set, is the instant of every cart, overriding its "now".
	At time.Time
	// Default is the instant of carts without a "now" of their own when
	// At is not set (default: the time Compare starts).
	Default time.Time
	// Placements are chosen for every cart, besides those its line asks
	// for.
	Placements []string
	// Workers evaluate carts in parallel (default GOMAXPROCS).
	Workers int
	// Top is how many of the largest increases to explain (default 10).
	Top int
	// MaxSkips is how many skipped carts to list (default 10).
	MaxSkips int
}

// batch is how many carts a worker takes at once.
const batch = 128

// Compare evaluates every cart of src against base and head and reports
// what changed. Its error is for a corpus that could not be read, or ctx
// ending; carts that cannot be evaluated are counted in the report.
func Compare(ctx context.Context, base, head Side, src Source, opt Options) (*Report, error) {
	if opt.Default.IsZero() {
		opt.Default = time.Now()
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Top <= 0 {
		opt.Top = 10
	}
	if opt.MaxSkips <= 0 {
		opt.MaxSkips = 10
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	bs, hs := newSide(base.Program), newSide(head.Program)
	hs.shareDecoded = sameDefaults(base.Program, head.Program)
	work := make(chan []item, opt.Workers*2)
	tallies := make([]*tally, opt.Workers)
	var wg sync.WaitGroup
	for i := range tallies {
		t := newTally(&opt)
		tallies[i] = t
		wg.Go(func() {
			for b := range work {
				for _, it := range b {
					t.add(bs, hs, it)
				}
			}
		})
	}
	errStop := errors.New("stopped")
	var pending []item
	send := func() error {
		if ctx.Err() != nil {
			return errStop
		}
		select {
		case work <- pending:
			pending = make([]item, 0, batch)
			return nil
		case <-ctx.Done():
			return errStop
		}
	}
	err := src(func(e *corpus.Entry, err error) error {
		pending = append(pending, item{e, err})
		if len(pending) == batch {
			return send()
		}
		return nil
	})
	if err == nil && len(pending) > 0 {
		err = send()
	}
	close(work)
	wg.Wait()
	if errors.Is(err, errStop) || (err == nil && ctx.Err() != nil) {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	t := tallies[0]
	for _, o := range tallies[1:] {
		t.merge(o)
	}
	r := t.report(base, head)
	if !opt.At.IsZero() {
		r.At = opt.At.Format(time.RFC3339)
	}
	for i := range r.Increases {
		explain(&r.Increases[i], t.top[i].entry, bs, hs, &opt)
	}
	return r, nil
}

// item is one corpus line handed to a worker.
type item struct {
	e   *corpus.Entry
	err error
}

// side is a program with the placements it has.
type side struct {
	p          *engine.Program
	placements map[string]bool
	// shareDecoded, on the head side, says that carts decode for it as
	// they do for the base: decoding, the larger part of the work per
	// cart, is then done once.
	shareDecoded bool
}

func newSide(p *engine.Program) *side {
	s := &side{p: p, placements: map[string]bool{}}
	for _, pl := range p.Placements() {
		s.placements[pl.ID] = true
	}
	return s
}

// sameDefaults reports whether carts decode alike for both programs: the
// same default currency and website currencies.
func sameDefaults(a, b *engine.Program) bool {
	da, db := a.CartDefaults(), b.CartDefaults()
	return da.Currency == db.Currency && maps.Equal(da.Websites, db.Websites)
}

// decode reads e's cart as s's program does.
func decode(s *side, e *corpus.Entry) (*engine.Cart, error) {
	return engine.DecodeCart(e.Cart, s.p.CartDefaults())
}

// evaluate prices e with s as Compare does for both sides. A placement the
// program does not have is not asked for: it shows nothing, which is what
// adding or removing a placement changes.
func evaluate(s *side, e *corpus.Entry, opt *Options, explain bool) (*engine.Cart, *engine.Result, error) {
	cart, err := decode(s, e)
	if err != nil {
		return nil, nil, err
	}
	res, err := evaluateCart(s, cart, e, opt, explain)
	return cart, res, err
}

// evaluateCart prices a decoded cart; it works on a copy of the cart's
// fields, so one decoded cart serves both sides.
func evaluateCart(s *side, decoded *engine.Cart, e *corpus.Entry, opt *Options, explain bool) (*engine.Result, error) {
	c := *decoded
	cart := &c
	if !opt.At.IsZero() {
		cart.Now = opt.At
	}
	eo := engine.Options{Explain: explain, Now: opt.Default, VisitorID: e.VisitorID, View: e.View}
	if eo.VisitorID == "" {
		// Random rotations are stable per visitor: the cart stands in
		// for one, so both sides draw alike.
		eo.VisitorID = e.ID
	}
	for _, pl := range slices.Concat(e.Placements, opt.Placements) {
		if s.placements[pl] && !slices.Contains(eo.Placements, pl) {
			eo.Placements = append(eo.Placements, pl)
		}
	}
	return s.p.Evaluate(cart, eo)
}

// parse reads a money string of a result; results only hold valid ones.
func parse(s string) money.Decimal {
	d, err := money.Parse(s)
	if err != nil {
		return money.Zero
	}
	return d
}
