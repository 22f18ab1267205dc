package engine

import (
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestReleaseReuse evaluates carts of different sizes one after another,
// releasing each Result, and holds every answer to the one an evaluation
// with nothing released gives; in parallel too, so that -race sees the
// pooled Results pass between goroutines.
func TestReleaseReuse(t *testing.T) {
	d, carts := demoProject(t)
	p := mustCompile(t, d.set)
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		carts = append(carts, randomCart(r, d.set, d, carts[:8]))
	}
	want := make([]string, len(carts))
	for i, c := range carts {
		res, err := p.Evaluate(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		want[i] = string(b)
	}
	check := func(t *testing.T, i int) {
		res, err := p.Evaluate(carts[i], Options{})
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := json.Marshal(res)
		res.Release()
		if string(b) != want[i] {
			t.Errorf("cart %d after released Results:\n got %s\nwant %s", i, b, want[i])
		}
	}
	for round := range 3 {
		for i := range carts {
			check(t, (i*7+round)%len(carts))
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 3 * len(carts) {
				check(t, (i+g*11)%len(carts))
			}
		})
	}
	wg.Wait()
	var nilResult *Result
	nilResult.Release() // a no-op
}
