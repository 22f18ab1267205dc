package engine

import (
	"sync/atomic"
	"time"
)

// Generation is one compiled rule set in service, with what identifies it.
// It is immutable: a reload makes a new Generation and swaps it in whole, so
// a reader that loaded one sees the program, its version and its load time
// from the same reload.
type Generation struct {
	// Program is the compiled rule set; never nil.
	Program *Program
	// Version identifies the content the program was compiled from (a hash
	// of the rule files); equal versions mean equal files.
	Version string
	// LoadedAt is when the program was compiled and swapped in.
	LoadedAt time.Time
	// Seq counts the generations of one Live: 1 for the first one stored.
	Seq uint64
}

// Live holds the generation in service. The zero Live holds none.
//
// Concurrency: Load and Swap are safe for concurrent use. A request calls
// Load once and uses that generation from start to end, so it never sees
// half of one rule set and half of another; a reload builds and validates a
// new Program off to the side and calls Swap only when it is good. Swaps
// are expected from one reloader at a time; concurrent Swaps are still safe
// and each gets its own Seq.
type Live struct {
	cur atomic.Pointer[Generation]
	seq atomic.Uint64
}

// Load returns the generation in service, or nil before the first Swap.
func (l *Live) Load() *Generation { return l.cur.Load() }

// Swap puts p in service as a new generation and returns it. The previous
// generation stays valid for the requests still holding it. p must not be
// nil: a rule set that failed to compile never replaces a good one.
func (l *Live) Swap(p *Program, version string, at time.Time) *Generation {
	if p == nil {
		panic("engine: Live.Swap with a nil Program")
	}
	g := &Generation{Program: p, Version: version, LoadedAt: at, Seq: l.seq.Add(1)}
	l.cur.Store(g)
	return g
}
