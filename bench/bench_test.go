package bench

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ruled/ruled/bench/gen"
	"github.com/ruled/ruled/bench/opa"
	"github.com/ruled/ruled/bench/scan"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

var sizes = []int{100, 1000, 10000}

// BenchmarkEvaluate prices the 20-line bench cart with ruled (the whole
// evaluation: filters, conditions, item selection, arithmetic, result;
// explain off), and finds the matching rules with the plain walk over
// the same lowered conditions and with OPA. applied/op is the rules
// ruled applied; matched/op the rules whose filters and condition held.
func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		p := gen.New(gen.Options{Rules: n})
		c := p.BenchCart()
		b.Run(fmt.Sprintf("rules=%d/engine=ruled", n), func(b *testing.B) {
			prog, diags := engine.Compile(p.Set)
			if prog == nil {
				b.Fatal(diags)
			}
			res, err := prog.Evaluate(c, engine.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			loop(b, func() error { _, err := prog.Evaluate(c, engine.Options{}); return err })
			b.ReportMetric(float64(len(res.AppliedRules)), "applied/op")
		})
		b.Run(fmt.Sprintf("rules=%d/engine=expr-walk", n), func(b *testing.B) {
			walk, err := scan.New(p.Set)
			if err != nil {
				b.Fatal(err)
			}
			ids, err := walk.Match(c, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			loop(b, func() (err error) { ids, err = walk.Match(c, ids[:0]); return err })
			b.ReportMetric(float64(len(ids)), "matched/op")
		})
		b.Run(fmt.Sprintf("rules=%d/engine=opa", n), func(b *testing.B) {
			peer, err := opa.New(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			ids, err := peer.Match(ctx, c, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			loop(b, func() (err error) { ids, err = peer.Match(ctx, c, ids[:0]); return err })
			b.ReportMetric(float64(len(ids)), "matched/op")
		})
	}
}

// loop runs f as the benchmark's operation and reports, beside wall time,
// the process's CPU time per operation (user and system, garbage
// collection included): on a machine shared with other work it is the
// steadier figure. The setup's garbage is collected first.
func loop(b *testing.B, f func() error) {
	runtime.GC()
	start := cpuTime()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkEvaluateCold is BenchmarkEvaluate's ruled at 10,000 rules as a
// server sees it: between two evaluations a served request decodes a body,
// writes an answer and the collector marks the heap, so the program's data
// is no longer in the processor's caches. Each evaluation here follows a
// walk over 4 MB of other memory; cold-ns/op is the evaluation's share,
// the time of that walk alone (measured first) taken off.
func BenchmarkEvaluateCold(b *testing.B) {
	p := gen.New(gen.Options{Rules: 10000})
	c := p.BenchCart()
	prog, diags := engine.Compile(p.Set)
	if prog == nil {
		b.Fatal(diags)
	}
	other := make([]byte, 4<<20)
	evict := func() {
		for i := 0; i < len(other); i += 64 {
			other[i]++
		}
	}
	const walks = 200
	evict() // its pages mapped before timing
	start := time.Now()
	for range walks {
		evict()
	}
	walk := time.Since(start) / walks
	b.ReportAllocs()
	for b.Loop() {
		evict()
		if _, err := prog.Evaluate(c, engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N)-walk), "cold-ns/op")
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCompile is a full compile of 10,000 generated rules
// (engine.Compile on the rule set in memory): the compile part of a
// reload.
func BenchmarkCompile(b *testing.B) {
	set := gen.New(gen.Options{Rules: 10000}).Set
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if p, diags := engine.Compile(set); p == nil {
			b.Fatal(diags)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/rule")
}

// BenchmarkLoad reads the 10,000 rules written as files (100 files, half
// YAML, half .rules), the loader part of a reload.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	if err := gen.New(gen.Options{Rules: 10000}).Write(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, diags := loader.Load(dir); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkDecodeCart decodes the 20-line bench cart's JSON body as
// POST /v1/cart/evaluate does.
func BenchmarkDecodeCart(b *testing.B) {
	p := gen.New(gen.Options{Rules: 10})
	body, err := gen.CartJSON(p.BenchCart())
	if err != nil {
		b.Fatal(err)
	}
	prog, diags := engine.Compile(p.Set)
	if prog == nil {
		b.Fatal(diags)
	}
	def := prog.CartDefaults()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.DecodeCart(body, def); err != nil {
			b.Fatal(err)
		}
	}
}
