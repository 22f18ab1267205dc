package main

import (
	"math"
	"runtime/debug"
	"testing"
	"time"
)

// TestHeadroom: a reload runs under factor × the size at rest, and the
// limit is lifted, with the size at rest measured again, once the reload
// is in service; a release that a newer reload overtook lifts nothing.
func TestHeadroom(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	h := &headroom{factor: 1.5, rest: 100 << 20}
	h.tighten()
	if got := debug.SetMemoryLimit(-1); got != 150<<20 {
		t.Fatalf("limit during the reload = %d, want %d", got, 150<<20)
	}
	h.release()
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) != math.MaxInt64 {
		if time.Now().After(deadline) {
			t.Fatal("the limit was not lifted after the reload")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.mu.Lock()
	rest := h.rest
	h.mu.Unlock()
	if rest == 0 || rest == 100<<20 {
		t.Fatalf("size at rest not measured again: %d", rest)
	}

	// A release whose reload was overtaken leaves the newer limit.
	h.mu.Lock()
	h.rest = 64 << 20
	h.mu.Unlock()
	h.tighten()
	h.release()
	h.tighten() // the next reload begins before the release runs
	time.Sleep(500 * time.Millisecond)
	if got := debug.SetMemoryLimit(-1); got == math.MaxInt64 {
		t.Fatal("an overtaken release lifted the limit of the newer reload")
	}

	if !newHeadroom(0).off {
		t.Error("factor 0 should turn headroom off")
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if !newHeadroom(1.5).off {
		t.Error("GOMEMLIMIT should win over headroom")
	}
}
