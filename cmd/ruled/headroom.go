package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// headroom bounds the memory a reload takes beyond the process's size at
// rest. While a reload builds the new rule set, the old one is still in
// service, and the collector's default pacing lets the heap grow to twice
// what was live at the last collection, old and new together: a large
// project's reload could take 1.6 to 1.8 times the memory of a process at
// rest. So for the reload, from the compile step until the next
// collection after the swap, the runtime's soft memory limit bounds the
// process to factor times its size at rest; then it is lifted, and the
// size at rest is measured again for the next reload.
//
// Requests between reloads grow the heap too: a large rule set is most of
// the live heap, and the collector's default pacing leaves as much again
// for garbage (at 10,000 rules, wrk took a process ready at 78 MB to
// 137 MB without any reload). So between reloads the limit bounds the
// process to steady times its size at rest (1.5 by default): there the
// same traffic peaked at 114 MB, for 3–9% fewer requests a second, the
// collector running more often. A steady factor of 0 leaves the default
// pacing between reloads.
//
// The process's size at rest is what the runtime holds in use then (the
// heap without the free pages it keeps) and the rest of its resident
// memory (the program's text and data, mapped from its file: some 20 MB,
// which nothing grows). The runtime is let grow by factor-1 times that
// size, so that the process as a whole stays within factor times it.
//
// After a reload the collection frees the old rule set and keeps its
// pages rather than giving them back to the system: the next reload
// allocates tens of megabytes, and faulting fresh pages in for them took
// longer than the rest of the reload (on a virtual machine, about half of
// a 10,000-rule reload). The next reload's limit still bounds what the
// process holds, those pages included: the runtime gives back what is over
// it. (Given an AfterReload, the server leaves that choice to it and does
// not return the pages itself.)
//
// The first build has no size at rest to bound it by. It runs with the
// collector pacing firstGC instead of the default 100: what the build
// keeps (the rule set, its conditions) is allocated among several times
// as much garbage (YAML trees, parse trees, scratch), and the larger the
// heap grows between collections, the more thinly what is kept ends up
// spread over its pages, which the process then keeps at rest. Pacing the
// build at 40 costs its collector some CPU once, at startup, and leaves
// the process ready 20–30 MB smaller at 10,000 rules. After it, every
// free page goes back to the system.
//
// A memory limit set by the operator (GOMEMLIMIT) wins: headroom then
// does nothing; so does GOGC for the first build. A factor of 0 turns it
// off.
type headroom struct {
	factor  float64
	steady  float64 // the bound between reloads; 0: none (see settle)
	firstGC int     // GC percent of the first build; 0: the default pacing
	mu      sync.Mutex
	rest    uint64 // bytes the runtime held in use at rest after the last reload (see inUse)
	other   uint64 // the process's other resident bytes then (see resident)
	gen     uint64 // reloads begun, so a late release does not lift a newer limit
	off     bool
	// lowered says the first build runs at firstGC; restoreGC is the GC
	// percent to restore after it.
	lowered   bool
	restoreGC int
}

// firstBuildGC is the first build's collector pacing (see headroom).
const firstBuildGC = 40

// settleAfter is how long after a swap the old rule set is collected and
// the size at rest measured: requests that began before the swap finish
// with the old rule set (an evaluation takes well under a millisecond).
const settleAfter = 100 * time.Millisecond

func newHeadroom(factor float64) *headroom {
	_, operator := os.LookupEnv("GOMEMLIMIT")
	h := &headroom{factor: factor, off: factor <= 0 || operator}
	if _, gogc := os.LookupEnv("GOGC"); !gogc {
		h.firstGC = firstBuildGC
	}
	return h
}

// tighten sets the limit for a reload about to compile.
func (h *headroom) tighten() {
	if h.off {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gen++
	switch {
	case h.rest > 0:
		debug.SetMemoryLimit(h.limit())
	case h.firstGC > 0 && !h.lowered:
		h.restoreGC, h.lowered = debug.SetGCPercent(h.firstGC), true
	}
}

// release runs after a reload's outcome is in service: it collects the
// old rule set, measures the size at rest and lifts the limit, unless
// another reload began meanwhile; in the background, but for the first
// build, which the process waits for, and which gives every free page back
// to the system.
func (h *headroom) release() {
	if h.off {
		return
	}
	h.mu.Lock()
	gen, first := h.gen, h.rest == 0
	h.mu.Unlock()
	settle := func() {
		h.mu.Lock()
		if h.lowered {
			debug.SetGCPercent(h.restoreGC)
			h.lowered = false
		}
		h.mu.Unlock()
		if first {
			debug.FreeOSMemory() // a full collection, then the freed pages returned
		} else {
			// Requests that began before the swap still hold the old rule
			// set; measured with it, the size at rest would count both.
			time.Sleep(settleAfter)
			runtime.GC() // the pages it frees are the next reload's
		}
		rest, held, rss := inUse()
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.gen != gen {
			return
		}
		h.rest, h.other = rest, 0
		if rss > held {
			h.other = rss - held
		}
		debug.SetMemoryLimit(h.steadyLimit())
	}
	if first {
		// The first build leaves several times what it built as garbage:
		// the process starts serving at its size at rest.
		settle()
		return
	}
	go settle()
}

// limit is the runtime's memory limit during a reload (see headroom).
func (h *headroom) limit() int64 { return h.limitFor(h.factor) }

// steadyLimit is the runtime's memory limit between reloads: none without
// a steady factor.
func (h *headroom) steadyLimit() int64 {
	if h.steady <= 0 {
		return math.MaxInt64
	}
	return h.limitFor(h.steady)
}

func (h *headroom) limitFor(factor float64) int64 {
	return int64(float64(h.rest) + (factor-1)*float64(h.rest+h.other))
}

// resident is the process's resident memory, from /proc/self/statm; 0
// where there is none.
func resident() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// inUse returns the memory the Go runtime holds from the system and has
// not given back, as its memory limit counts it (held), less the free heap
// pages it keeps (rest); and the process's resident memory (rss; 0 where
// unknown).
func inUse() (rest, held, rss uint64) {
	rss = resident()
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			held = m.Sys - m.HeapReleased
			return held - (m.HeapIdle - m.HeapReleased), held, rss
		}
	}
	held = s[0].Value.Uint64() - s[1].Value.Uint64()
	return held - s[2].Value.Uint64(), held, rss
}
