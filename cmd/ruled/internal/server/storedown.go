package server

import (
	"errors"
	"net/http"
	"weak"

	"github.com/ruled/ruled/engine"
)

// What a decision does when the usage store cannot answer
// (Options.OnStoreUnavailable).
const (
	// StoreSkip leaves out the rules with usage limits, budgets or
	// generated codes, explained "usage store unavailable: ...", and
	// prices the cart with the others: a limit is never overrun, and the
	// shop keeps selling.
	StoreSkip = "skip"
	// StoreFailClosed answers 503 store_unavailable instead, for every
	// decision of a rule set that has such rules: no price is given that
	// the limits were not checked for.
	StoreFailClosed = "fail-closed"
)

// storeDown is a decision refused because the usage store could not
// answer and the server fails closed.
type storeDown struct{ err error }

func (e *storeDown) Error() string {
	return "usage store unavailable (on-store-unavailable is fail-closed): " + e.err.Error()
}

func (e *storeDown) Unwrap() error { return e.err }

// failClosed returns a *storeDown when the server fails closed and the
// usage store could not answer this decision. A decision that did not
// read the store (no rule with limits was a candidate for the cart) asks
// it whether it answers, when the rule set has rules with limits: the
// answer does not then depend on which rules the walk happened to read
// (the explaining walk reads more than the indexed one).
func (s *Server) failClosed(p *engine.Program, v *usageView) error {
	if v == nil || s.opt.OnStoreUnavailable != StoreFailClosed {
		return nil
	}
	if v.err == nil && !v.asked && s.limited(p) {
		v.err = v.st.Ping(v.ctx)
	}
	if v.err != nil {
		return &storeDown{v.err}
	}
	return nil
}

// limitedProgram remembers, for the program last asked about, whether it
// has rules with limits, budgets or generated codes. It does not keep the
// program alive: after a reload the old one is collected.
type limitedProgram struct {
	p   weak.Pointer[engine.Program]
	yes bool
}

// limited reports whether a rule of p has usage limits, a budget or
// generated codes, computed once per rule set.
func (s *Server) limited(p *engine.Program) bool {
	if c := s.limitedOf.Load(); c != nil && c.p.Value() == p {
		return c.yes
	}
	c := &limitedProgram{p: weak.Make(p)}
	set := p.Set()
	for i := range set.CartRules {
		if set.CartRules[i].Limited() {
			c.yes = true
			break
		}
	}
	s.limitedOf.Store(c)
	return c.yes
}

// writeStoreDown answers a decision refused by failClosed; it reports
// false for any other error.
func writeStoreDown(w http.ResponseWriter, err error) bool {
	var sd *storeDown
	if !errors.As(err, &sd) {
		return false
	}
	writeError(w, http.StatusServiceUnavailable, codeStoreUnavailable, sd.Error(), "")
	return true
}

// noStore answers the engine's usage questions when the server has no
// usage store (--store none, or one that could not be opened): every rule
// with a limit, a budget or generated codes is left out, as when the store
// is down, so that no limit is overrun for want of a count.
type noStore struct{}

var errNoStore = errors.New("no usage store is open (see --store)")

func (noStore) Usage(rule, code, customer string) (engine.Usage, error) {
	return engine.Usage{}, errNoStore
}

func (noStore) InPool(rule, code string) (bool, error) { return false, errNoStore }
