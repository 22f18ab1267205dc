package whatif

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

// demoCorpus writes n carts made from the demo store's carts: their lines
// with other quantities, other shoppers (group, segments), coupons, dates
// from October to December 2026, and a fifth of them asking for banners.
func demoCorpus(tb testing.TB, name string, n int) {
	tb.Helper()
	files, err := filepath.Glob("../testdata/demo/carts/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("demo carts: %v", err)
	}
	var carts []map[string]any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var c map[string]any
		if err := json.Unmarshal(data, &c); err != nil {
			tb.Fatal(err)
		}
		carts = append(carts, c)
	}
	set, _ := loader.Load("../testdata/demo")
	var segments []string
	for _, a := range set.Audiences {
		segments = append(segments, a.ID)
	}
	groups := []string{"guest", "general", "general", "vip", "wholesale"}
	coupons := []string{"WELCOME10", "SAVE25", "TRAILGUIDE25", "SORRY15", "FRIENDS30"}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	err = corpus.WriteFile(name, func(w *bufio.Writer) error {
		for i := range n {
			var c map[string]any
			data, _ := json.Marshal(carts[rng.IntN(len(carts))])
			_ = json.Unmarshal(data, &c)
			c["id"] = "cart-" + strconv.Itoa(i)
			c["now"] = start.Add(time.Duration(rng.Int64N(int64(92 * 24 * time.Hour)))).Format(time.RFC3339)
			c["customer"] = map[string]any{"id": fmt.Sprintf("h-%06d", rng.IntN(20000)), "group": groups[rng.IntN(len(groups))]}
			var segs []string
			for _, s := range segments {
				if rng.IntN(4) == 0 {
					segs = append(segs, s)
				}
			}
			c["segments"] = segs
			c["coupon_code"] = nil
			if rng.IntN(8) == 0 {
				c["coupon_code"] = coupons[rng.IntN(len(coupons))]
			}
			for _, it := range c["items"].([]any) {
				it.(map[string]any)["qty"] = 1 + rng.IntN(4)
			}
			if rng.IntN(5) == 0 {
				c["placements"] = []string{"home.hero", "cart.promo-strip"}
				c["visitor_id"] = fmt.Sprintf("v-%d", rng.IntN(50000))
			}
			line, err := json.Marshal(c)
			if err != nil {
				return err
			}
			w.Write(line)
			w.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func demoProgram(tb testing.TB) *engine.Program {
	tb.Helper()
	set, diags := loader.Load("../testdata/demo")
	p, more := engine.Compile(set)
	if diags.HasErrors() || more.HasErrors() {
		tb.Fatalf("demo: %v %v", diags, more)
	}
	return p
}

// BenchmarkCompareDemo compares the demo store with itself over 10,000
// carts (each evaluated twice). For the 100,000-cart figure run
// `ruled diff` on a corpus from TestWriteDemoCorpus.
func BenchmarkCompareDemo(b *testing.B) {
	name := filepath.Join(b.TempDir(), "carts.ndjson.gz")
	demoCorpus(b, name, 10000)
	base, head := demoProgram(b), demoProgram(b)
	b.ReportAllocs()
	for b.Loop() {
		r, err := Compare(context.Background(), Side{"base", base}, Side{"head", head},
			func(fn func(*corpus.Entry, error) error) error { return corpus.Scan(name, fn) }, Options{})
		if err != nil || r.Evaluated != 10000 {
			b.Fatalf("%v, %d evaluated", err, r.Evaluated)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "carts/s")
}

// TestWriteDemoCorpus writes a demo corpus where RULED_DEMO_CORPUS says
// (with RULED_DEMO_CARTS carts, default 100000), to measure `ruled diff`:
//
//	RULED_DEMO_CORPUS=/tmp/demo.ndjson.gz go test ./whatif -run TestWriteDemoCorpus
func TestWriteDemoCorpus(t *testing.T) {
	name := os.Getenv("RULED_DEMO_CORPUS")
	if name == "" {
		t.Skip("RULED_DEMO_CORPUS not set")
	}
	n := 100000
	if s := os.Getenv("RULED_DEMO_CARTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	demoCorpus(t, name, n)
}
