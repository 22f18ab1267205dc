package main

import (
	"math"
	"runtime"
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
	rest, other := h.rest, h.other
	h.mu.Unlock()
	if rest == 0 || rest == 100<<20 {
		t.Fatalf("size at rest not measured again: %d", rest)
	}
	if runtime.GOOS == "linux" && other == 0 {
		t.Error("the resident memory beside the runtime's was not measured")
	}

	// A release whose reload was overtaken leaves the newer limit.
	h.mu.Lock()
	h.rest, h.other = 64<<20, 0
	h.mu.Unlock()
	h.tighten()
	h.release()
	h.mu.Lock()
	h.rest = 80 << 20
	h.mu.Unlock()
	h.tighten() // the next reload begins before the release runs
	time.Sleep(500 * time.Millisecond)
	if got := debug.SetMemoryLimit(-1); got != 120<<20 {
		t.Fatalf("limit = %d, want the newer reload's %d", got, 120<<20)
	}

	if !newHeadroom(0).off {
		t.Error("factor 0 should turn headroom off")
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if !newHeadroom(1.5).off {
		t.Error("GOMEMLIMIT should win over headroom")
	}
}

// TestHeadroomLimit: the runtime may grow by factor-1 times the whole
// process's size at rest (the rest of its resident memory included), so
// that the process stays within factor times that size.
func TestHeadroomLimit(t *testing.T) {
	tests := []struct {
		rest, other uint64
		factor      float64
		want        int64
	}{
		{rest: 60 << 20, other: 20 << 20, factor: 1.4, want: 92 << 20},
		{rest: 100 << 20, factor: 1.5, want: 150 << 20}, // nothing else resident, or unknown
	}
	for _, tt := range tests {
		h := &headroom{factor: tt.factor, rest: tt.rest, other: tt.other}
		if got := h.limit(); got != tt.want {
			t.Errorf("rest %d MB, other %d MB, factor %v: limit %d MB, want %d MB", tt.rest>>20, tt.other>>20, tt.factor, got>>20, tt.want>>20)
		}
	}
	if runtime.GOOS == "linux" && resident() == 0 {
		t.Error("no resident size on Linux")
	}
}

// TestHeadroomSteady: with a steady factor, the limit after a reload is not
// lifted but set to that factor times the size at rest just measured.
func TestHeadroomSteady(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	h := &headroom{factor: 1.4, steady: 1.5, rest: 100 << 20}
	h.tighten()
	h.release()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		measured, want := h.rest != 100<<20, h.steadyLimit()
		h.mu.Unlock()
		if got := debug.SetMemoryLimit(-1); measured && got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("limit after the reload = %d, want steady %d", debug.SetMemoryLimit(-1), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.mu.Lock()
	rest, other, limit := h.rest, h.other, h.steadyLimit()
	h.mu.Unlock()
	if want := int64(float64(rest) + 0.5*float64(rest+other)); limit != want || limit == math.MaxInt64 {
		t.Errorf("steady limit = %d, want %d (rest %d, other %d)", limit, want, rest, other)
	}
	if (&headroom{factor: 1.4}).steadyLimit() != math.MaxInt64 {
		t.Error("no steady factor should leave no limit between reloads")
	}
}
